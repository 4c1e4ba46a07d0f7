// The thin targets' metadata against thin-provisioning-tools: after a workload of thins,
// snapshots, random writes, discards and deletes, thin_check accepts the metadata and thin_dump
// shows the mappings our model expects; after a crash (the pool dropped, unflushed writes lost)
// thin_check still accepts it and every write followed by a flush reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockDevice } from '../../src/devices/device.ts';
import { ThinPool } from '../../src/mapper/thin-pool.ts';
import type { ThinTarget } from '../../src/mapper/thin-target.ts';
import type { BlockTarget } from '../../src/mapper/target.ts';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';
import { BB, BS, linearOver } from '../helpers/thin-pool-lab.ts';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { VolatileDevice, VolatileTarget } from '../helpers/volatile-device.ts';
import { parseThinXml } from './pdata-xml.ts';

const missing = ['thin_check', 'thin_dump'].filter((t) => spawnSync(t, ['-V']).error);
const skip = missing.length ? `thin-provisioning-tools missing (${missing.join(', ')})` : false;

const VBLOCKS = 64;

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What each thin device should hold: its blocks' contents and which blocks are mapped. */
class Model {
  content = new Map<number, Map<number, Uint8Array>>();
  mapped = new Map<number, Set<number>>();
  add(id: number): void {
    this.content.set(id, new Map());
    this.mapped.set(id, new Set());
  }
  snap(id: number, origin: number): void {
    this.content.set(id, new Map([...this.content.get(origin)!].map(([v, b]) => [v, b.slice()])));
    this.mapped.set(id, new Set(this.mapped.get(origin)));
  }
  remove(id: number): void {
    this.content.delete(id);
    this.mapped.delete(id);
  }
  write(id: number, offset: number, data: Uint8Array): number[] {
    const touched: number[] = [];
    for (let pos = offset; pos < offset + data.length; ) {
      const v = Math.floor(pos / BB);
      const within = pos - v * BB;
      const n = Math.min(BB - within, offset + data.length - pos);
      const c = this.content.get(id)!;
      const block = c.get(v) ?? new Uint8Array(BB);
      block.set(data.subarray(pos - offset, pos - offset + n), within);
      c.set(v, block);
      this.mapped.get(id)!.add(v);
      touched.push(v);
      pos += n;
    }
    return touched;
  }
  discard(id: number, first: number, count: number): void {
    for (let v = first; v < first + count; v++) {
      this.content.get(id)!.delete(v);
      this.mapped.get(id)!.delete(v);
    }
  }
  block(id: number, v: number): Uint8Array {
    return this.content.get(id)!.get(v) ?? new Uint8Array(BB);
  }
  clone(): Model {
    const m = new Model();
    for (const id of this.content.keys()) {
      m.content.set(id, new Map([...this.content.get(id)!].map(([v, b]) => [v, b.slice()])));
      m.mapped.set(id, new Set(this.mapped.get(id)));
    }
    return m;
  }
}

/** Random writes (some crossing a block boundary, some whole blocks) and discards on the live devices. */
class Workload {
  readonly thins = new Map<number, ThinTarget>();
  /** Blocks written or discarded since the last flush point, per device. */
  touched = new Map<number, Set<number>>();
  constructor(
    readonly pool: ThinPool,
    readonly model: Model,
    readonly rand: () => number,
  ) {}
  open(id: number): void {
    this.thins.set(id, this.pool.thin(id, VBLOCKS * BB));
    this.touched.set(id, new Set());
  }
  async create(id: number): Promise<void> {
    await this.pool.message(`create_thin ${id}`);
    this.model.add(id);
    this.open(id);
  }
  async snap(id: number, origin: number): Promise<void> {
    await this.pool.message(`create_snap ${id} ${origin}`);
    this.model.snap(id, origin);
    this.open(id);
  }
  async remove(id: number): Promise<void> {
    this.thins.get(id)!.release();
    this.thins.delete(id);
    this.touched.delete(id);
    await this.pool.message(`delete ${id}`);
    this.model.remove(id);
  }
  private pick(): [number, ThinTarget] {
    const ids = [...this.thins.keys()];
    const id = ids[Math.floor(this.rand() * ids.length)]!;
    return [id, this.thins.get(id)!];
  }
  /** One batch of concurrent operations on distinct blocks (the model cannot order overlapping ones). */
  async batch(n: number): Promise<void> {
    const busy = new Set<string>();
    const ops: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const [id, thin] = this.pick();
      const r = this.rand();
      const v = Math.floor(this.rand() * (VBLOCKS - 1));
      const blocks = r < 0.15 ? [v] : r < 0.35 ? [v, v + 1] : [v];
      if (blocks.some((b) => busy.has(`${id}:${b}`))) continue;
      for (const b of blocks) busy.add(`${id}:${b}`);
      const t = this.touched.get(id)!;
      if (r < 0.15) {
        this.model.discard(id, v, 1);
        t.add(v);
        ops.push(thin.discard(v * BB, BB));
      } else {
        const whole = r > 0.8;
        const offset = whole ? v * BB : r < 0.35 ? (v + 1) * BB - 1000 : v * BB + Math.floor(this.rand() * (BB - 4096));
        const length = whole ? BB : r < 0.35 ? 3000 : 1 + Math.floor(this.rand() * 4096);
        const data = new Uint8Array(length).map(() => Math.floor(this.rand() * 256));
        for (const b of this.model.write(id, offset, data)) t.add(b);
        ops.push(thin.write(offset, data));
      }
    }
    await Promise.all(ops);
  }
  async verify(model = this.model): Promise<void> {
    for (const [id, thin] of this.thins) {
      for (let v = 0; v < VBLOCKS; v++) assert.deepEqual(await thin.read(v * BB, BB), model.block(id, v), `device ${id} block ${v}`);
    }
  }
}

function run(cmd: string, args: string[]): { rc: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function withImage(meta: BlockDevice, f: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'thin-target-'));
  try {
    const p = join(dir, 'tmeta');
    writeFileSync(p, meta.read(0, meta.size));
    f(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openPool(metadata: BlockDevice, data: BlockTarget, extra: Partial<Parameters<typeof ThinPool.open>[0]> = {}): ThinPool {
  return ThinPool.open({ metadata, data, dataBlockSize: BS, lowWaterMark: 0, name: '253:2', ...extra });
}

test('after a workload of thins, snapshots, writes, discards and a delete, thin_check is clean and thin_dump shows the model', { skip }, async () => {
  const meta = new MemoryDevice('/meta', 4 << 20);
  const dataDev = new MemoryDevice('/data', 512 * BB);
  const pool = openPool(meta, linearOver(dataDev), { commitPeriodMs: 5 });
  const model = new Model();
  const w = new Workload(pool, model, rng(42));
  await w.create(1);
  await w.create(2);
  await pool.message('set_transaction_id 0 1');
  for (let i = 0; i < 15; i++) await w.batch(8);
  await w.snap(3, 1);
  for (let i = 0; i < 15; i++) await w.batch(8);
  await w.thins.get(1)!.flush();
  await w.snap(4, 3);
  await w.remove(2);
  for (let i = 0; i < 10; i++) await w.batch(8);
  await w.verify();
  for (const t of w.thins.values()) t.release();
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
  withImage(meta, (p) => {
    const check = run('thin_check', [p]);
    assert.equal(check.rc, 0, check.out + check.err);
    const dump = run('thin_dump', [p]);
    assert.equal(dump.rc, 0, dump.err);
    const xml = parseThinXml(dump.out);
    assert.equal(xml.transaction, 1n);
    assert.equal(xml.time, 2, 'two snapshots');
    assert.equal(xml.nrDataBlocks, 512);
    assert.deepEqual([...xml.devices.keys()], [1, 3, 4]);
    for (const [id, dev] of xml.devices) {
      const want = [...model.mapped.get(id)!].sort((a, b) => a - b);
      assert.deepEqual(dev.mappings.map(([v]) => v), want, `device ${id}'s mapped blocks`);
      assert.equal(dev.details.mappedBlocks, want.length);
    }
    // Every data block in use is used by a mapping, and blocks that two devices share hold the same data.
    const used = new Set<number>();
    for (const dev of xml.devices.values()) for (const [, m] of dev.mappings) used.add(m.block);
    const status = /^\d+ \d+\/\d+ (\d+)\//.exec(openPool(meta, linearOver(dataDev)).status())!;
    assert.equal(Number(status[1]), used.size);
  });
});

test('a crash loses nothing that was flushed: thin_check accepts the surviving metadata and flushed writes read back', { skip }, async () => {
  for (const seed of [1, 2, 3]) {
    const meta = new VolatileDevice('/meta', 4 << 20);
    const data = new VolatileTarget(512 * BB);
    const rand = rng(seed);
    const pool = openPool(meta, data, { commitPeriodMs: 3 });
    const model = new Model();
    const w = new Workload(pool, model, rand);
    let durable = new Model();
    let durableTouched = new Map<number, Set<number>>();
    const flushPoint = () => {
      durable = model.clone();
      for (const t of w.touched.values()) t.clear();
    };
    await w.create(1);
    flushPoint();
    const rounds = 20 + Math.floor(rand() * 20);
    for (let i = 0; i < rounds; i++) {
      await w.batch(6);
      const r = rand();
      if (r < 0.25) {
        await w.thins.get(1)!.flush();
        flushPoint();
      } else if (r < 0.3 && !w.thins.has(2)) {
        await w.snap(2, 1); // a message commits, data first: a flush point
        flushPoint();
      } else if (r < 0.33 && w.thins.has(2)) {
        await w.remove(2);
        flushPoint();
      }
      if (i === 5) await new Promise((res) => setTimeout(res, 10)); // let a periodic commit happen
    }
    durableTouched = w.touched;
    // Crash: the pool goes away without a commit; the caches lose what was not flushed.
    pool.abandon();
    const metaAfter = meta.crashed();
    const dataAfter = data.crashed();
    assert.deepEqual(checkThinMetadata(metaAfter).errors.filter((e) => !/^data block \d+: count 1, expected 0$/.test(e)), [], `seed ${seed}`);
    withImage(metaAfter, (p) => {
      const check = run('thin_check', [p]);
      assert.equal(check.rc, 0, `seed ${seed}: ${check.out}${check.err}`);
    });
    const again = openPool(metaAfter, linearOver(dataAfter));
    for (const id of durable.content.keys()) {
      const thin = again.thin(id, VBLOCKS * BB);
      const since = durableTouched.get(id) ?? new Set<number>();
      for (let v = 0; v < VBLOCKS; v++) {
        if (since.has(v)) continue;
        assert.deepEqual(await thin.read(v * BB, BB), durable.block(id, v), `seed ${seed}: device ${id} block ${v}`);
      }
      thin.release();
    }
    await again.close();
  }
});

test('a crash at every point of a workload, with torn writes, leaves clean metadata and the flushed data', { skip }, async () => {
  // The same seeded workload cut after each of its rounds; at each cut the disks keep a random
  // half of what they had not flushed yet (in any order), as a power cut mid-commit can.
  const seed = 7;
  const rounds = 14;
  for (let cut = 0; cut <= rounds; cut++) {
    const meta = new VolatileDevice('/meta', 4 << 20);
    const data = new VolatileTarget(512 * BB);
    const rand = rng(seed);
    const torn = rng(1000 + cut);
    const pool = openPool(meta, data, { commitPeriodMs: 2 });
    const model = new Model();
    const w = new Workload(pool, model, rand);
    let durable = new Model();
    const flushPoint = () => {
      durable = model.clone();
      for (const t of w.touched.values()) t.clear();
    };
    await w.create(1);
    flushPoint();
    for (let i = 0; i < cut; i++) {
      await w.batch(5);
      const r = rand();
      if (r < 0.3) {
        await w.thins.get(1)!.flush();
        flushPoint();
      } else if (r < 0.4 && !w.thins.has(2)) {
        await w.snap(2, 1);
        flushPoint();
      } else if (r < 0.45 && w.thins.has(2)) {
        await w.remove(2);
        flushPoint();
      }
      if (i % 4 === 3) await new Promise((res) => setTimeout(res, 5)); // periodic commits in between
    }
    pool.abandon();
    const metaAfter = meta.crashed(() => torn() < 0.5);
    const dataAfter = data.crashed(() => torn() < 0.5);
    assert.deepEqual(checkThinMetadata(metaAfter).errors.filter((e) => !/^data block \d+: count 1, expected 0$/.test(e)), [], `cut ${cut}`);
    withImage(metaAfter, (p) => {
      const check = run('thin_check', [p]);
      assert.equal(check.rc, 0, `cut ${cut}: ${check.out}${check.err}`);
    });
    const again = openPool(metaAfter, linearOver(dataAfter));
    for (const id of durable.content.keys()) {
      const thin = again.thin(id, VBLOCKS * BB);
      const since = w.touched.get(id) ?? new Set<number>();
      for (let v = 0; v < VBLOCKS; v++) {
        if (since.has(v)) continue;
        assert.deepEqual(await thin.read(v * BB, BB), durable.block(id, v), `cut ${cut}: device ${id} block ${v}`);
      }
      thin.release();
    }
    await again.close();
  }
});

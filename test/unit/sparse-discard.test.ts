// Discards and zero writes free space on the PVs instead of filling it: linear and striped tables
// punch their PV devices (memory disks here, image files below), the zero target ignores them, the
// error target fails them, snapshot origins do not pass discards down; holes show in the
// allocation map the NBD server reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncFileDevice, SyncAdapter, alignedSpan } from '../../src/devices/async.ts';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { Table, type TableLine } from '../../src/mapper/table.ts';
import { TargetIoError } from '../../src/mapper/target.ts';
import { CowStore } from '../../src/mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../../src/mapper/snapshot-targets.ts';
import { MemoryTarget } from '../helpers/memory-target.ts';

const MiB = 1024 * 1024;
const S = 512;
/** Byte equality whatever the view type (Buffer against Uint8Array). */
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);

/** One memory PV with two LVs side by side: `lv` at PV sector 2048, `nb` (a neighbour) after it. */
function twoLvs() {
  const pv = new MemoryDevice('/dev/mem0', 16 * MiB);
  const dev = new SyncAdapter(pv);
  const lvSectors = (4 * MiB) / S;
  const lv = new Table([{ start: 0, length: lvSectors, target: { type: 'linear', area: { dev, start: 2048 } } }]);
  const nb = new Table([{ start: 0, length: lvSectors, target: { type: 'linear', area: { dev, start: 2048 + lvSectors } } }]);
  return { pv, lv, nb };
}

test('a discard on a linear LV punches the PV: zeros inside, data around it and in the neighbour LV', async () => {
  const { pv, lv, nb } = twoLvs();
  const data = randomBytes(4 * MiB);
  const other = randomBytes(4 * MiB);
  await lv.write(0, data);
  await nb.write(0, other);
  assert.equal(pv.allocated, 8 * MiB);
  // Unaligned at both ends: the partial chunks at the edges are zeroed, not freed beyond the range.
  const from = MiB + 1000;
  const len = 2 * MiB + 5;
  await lv.discard(from, len);
  const back = await lv.read(0, 4 * MiB);
  assert.ok(back.subarray(from, from + len).every((b) => b === 0), 'the discarded range reads as zeros');
  assert.ok(same(back.subarray(0, from), data.subarray(0, from)), 'before the range: unchanged');
  assert.ok(same(back.subarray(from + len), data.subarray(from + len)), 'after the range: unchanged');
  assert.ok(same(await nb.read(0, 4 * MiB), other), 'the neighbour LV is untouched');
  assert.ok(pv.allocated <= 8 * MiB - 2 * MiB + 2 * 64 * 1024, `space came back (${pv.allocated} bytes held)`);
  assert.ok(pv.allocated < 8 * MiB, 'something was freed');
});

test('write zeroes: deallocates when it may, stays allocated with NO_HOLE; both read back zeros', async () => {
  const { pv, lv } = twoLvs();
  await lv.write(0, randomBytes(4 * MiB));
  await lv.writeZeroes(0, MiB);
  assert.equal(pv.allocated, 3 * MiB, 'may unmap: punched');
  const writes = pv.writes;
  await lv.writeZeroes(2 * MiB, MiB, true);
  assert.equal(pv.allocated, 3 * MiB, 'NO_HOLE: still allocated');
  assert.ok(pv.writes > writes, 'NO_HOLE zeroes are written');
  const back = await lv.read(0, 4 * MiB);
  assert.ok(back.subarray(0, MiB).every((b) => b === 0));
  assert.ok(back.subarray(2 * MiB, 3 * MiB).every((b) => b === 0));
  assert.ok(back.subarray(MiB, 2 * MiB).some((b) => b !== 0));
});

test('a striped LV discards with one punch per stripe, not one per chunk', async () => {
  const pvs = [new MemoryDevice('/dev/mem0', 8 * MiB), new MemoryDevice('/dev/mem1', 8 * MiB)];
  const areas = pvs.map((p) => ({ dev: new SyncAdapter(p), start: 2048 }));
  const sectors = (8 * MiB) / S;
  const lv = new Table([{ start: 0, length: sectors, target: { type: 'striped', areas, chunkSectors: 128 } }]);
  await lv.write(0, randomBytes(6 * MiB));
  await lv.discard(0, 6 * MiB);
  assert.deepEqual(pvs.map((p) => p.punches), [1, 1]);
  assert.deepEqual(pvs.map((p) => p.allocated), [0, 0]);
  assert.ok((await lv.read(0, 6 * MiB)).every((b) => b === 0));
});

test('zero and error targets: nothing to discard on one, an I/O error on the other', async () => {
  const pv = new MemoryDevice('/dev/mem0', 4 * MiB);
  const lines: TableLine[] = [
    { start: 0, length: 2048, target: { type: 'linear', area: { dev: new SyncAdapter(pv), start: 0 } } },
    { start: 2048, length: 2048, target: { type: 'zero' } },
    { start: 4096, length: 2048, target: { type: 'error' } },
  ];
  const t = new Table(lines);
  await t.discard(MiB, MiB);
  await t.writeZeroes(MiB, MiB);
  await assert.rejects(t.discard(MiB, 2 * MiB), TargetIoError);
  await assert.rejects(t.writeZeroes(2 * MiB, 100), TargetIoError);
  const ro = new Table(lines.slice(0, 1), true);
  await assert.rejects(ro.discard(0, 4096), (e: TargetIoError) => e.code === 'EPERM');
});

test('the allocation map: an empty LV is one hole, written data shows as data, the zero target as a hole', async () => {
  const pv = new MemoryDevice('/dev/mem0', 8 * MiB);
  const dev = new SyncAdapter(pv);
  const t = new Table([
    { start: 0, length: 8192, target: { type: 'linear', area: { dev, start: 2048 } } },
    { start: 8192, length: 2048, target: { type: 'zero' } },
  ]);
  assert.deepEqual(await t.extents(0, 4 * MiB), [{ length: 4 * MiB, zero: true, hole: true }]);
  await t.write(MiB, randomBytes(128 * 1024));
  assert.deepEqual(await t.extents(0, 5 * MiB), [
    { length: MiB, zero: true, hole: true },
    { length: 128 * 1024, zero: false },
    { length: 4 * MiB - MiB - 128 * 1024 + MiB, zero: true, hole: true },
  ]);
  await t.discard(MiB, 128 * 1024);
  assert.deepEqual(await t.extents(0, 5 * MiB), [{ length: 5 * MiB, zero: true, hole: true }]);
});

test('a snapshot origin does not pass discards down; its zero writes copy the old chunks first', async () => {
  const pv = new MemoryDevice('/dev/mem0', 4 * MiB);
  const real = new Table([{ start: 0, length: 8192, target: { type: 'linear', area: { dev: new SyncAdapter(pv), start: 0 } } }]);
  const data = randomBytes(4 * MiB);
  await real.write(0, data);
  const cow = new MemoryTarget(2 * MiB);
  const store = new CowStore(cow, 8);
  await store.load();
  const origin = new OriginTarget(real, () => [store]);
  const snap = new SnapshotTarget(real, store);
  await origin.discard(0, 4 * MiB);
  assert.equal(pv.punches, 0, 'nothing reaches the PV');
  assert.equal(store.usage().allocated, store.usage().metadata, 'no chunk was copied for a discard');
  assert.deepEqual(await origin.read(0, 4 * MiB), new Uint8Array(data));
  await origin.writeZeroes(MiB, 64 * 1024);
  assert.ok((await origin.read(MiB, 64 * 1024)).every((b) => b === 0), 'the origin reads zeros');
  assert.deepEqual(await snap.read(MiB, 64 * 1024), new Uint8Array(data.subarray(MiB, MiB + 64 * 1024)), 'the snapshot keeps the old data');
  await snap.discard();
  assert.deepEqual(await snap.read(MiB, 64 * 1024), new Uint8Array(data.subarray(MiB, MiB + 64 * 1024)), 'a discard on the snapshot changes nothing');
});

test('edges of a range: whole 4 KiB blocks in the middle, the rest at the ends', () => {
  assert.deepEqual(alignedSpan(4096, 8192), { head: 0, body: 8192, tail: 0 });
  assert.deepEqual(alignedSpan(100, 10000), { head: 3996, body: 4096, tail: 1908 });
  assert.deepEqual(alignedSpan(100, 4000), { head: 4000, body: 0, tail: 0 });
  assert.deepEqual(alignedSpan(4000, 200), { head: 200, body: 0, tail: 0 });
});

test('image files: punch-hole frees blocks, zero-range keeps them, SEEK_HOLE finds the holes', async (t) => {
  if (process.platform !== 'linux') return t.skip('fallocate and SEEK_HOLE are Linux calls');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-sparse-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = join(dir, 'pv.img');
  const data = randomBytes(4 * MiB);
  writeFileSync(img, data);
  const blocks = () => statSync(img).blocks * 512;
  const dev = await AsyncFileDevice.open(img, true);
  t.after(() => dev.close());
  assert.deepEqual(await dev.allocation(0, 4 * MiB), [{ length: 4 * MiB, hole: false }]);
  const full = blocks();
  await dev.discard(MiB + 100, MiB);
  assert.ok(blocks() <= full - MiB + 8192, `punched: ${full} -> ${blocks()} bytes allocated`);
  const back = await dev.read(0, 4 * MiB);
  assert.ok(back.subarray(MiB + 100, 2 * MiB + 100).every((b) => b === 0));
  assert.ok(same(back.subarray(0, MiB + 100), data.subarray(0, MiB + 100)));
  assert.ok(same(back.subarray(2 * MiB + 100), data.subarray(2 * MiB + 100)));
  assert.deepEqual(await dev.allocation(0, 4 * MiB), [
    { length: MiB + 4096, hole: false },
    { length: MiB - 4096, hole: true },
    { length: 2 * MiB, hole: false },
  ]);
  const punched = blocks();
  await dev.writeZeroes(3 * MiB, MiB, true);
  assert.equal(blocks(), punched, 'zero-range keeps the blocks');
  assert.ok((await dev.read(3 * MiB, MiB)).every((b) => b === 0));
  await dev.writeZeroes(3 * MiB, MiB);
  assert.equal(blocks(), punched - MiB, 'a write-zeroes that may unmap punches');
  // Past the end of a short (sparse) image is a hole too.
  assert.deepEqual((await dev.allocation(3 * MiB, 2 * MiB)).at(-1), { length: 2 * MiB, hole: true });
});

// The change map of a plain LV through the library (in-process activation): writes, discards and
// write-zeroes through open() set exactly their regions; a rotate ends a generation atomically
// under a concurrent writer (each write is found in a generation that overlaps it); every
// acknowledged write's bit is on disk when the write returns; a first generation, a missing or
// corrupt file, or a parent of another generation make the tracker read everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, MemoryDisks } from '../../src/index.ts';
import { ChangeMap, type RotatedChangeMap } from '../../src/mapper/change-map.ts';
import { changeMapChanges } from '../../src/backup/track/change-map.ts';
import { seededRandom } from '../../src/backup/audit.ts';

const MiB = 1024 * 1024;
const KiB = 1024;

function regions(r: RotatedChangeMap): number[] {
  const b = Buffer.from(r.bitmap, 'base64');
  const out: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3]! & (1 << (i & 7))) out.push(i);
  return out;
}

function setup(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-changemap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 96 * MiB);
  const session = () => new Session({ dir, devices: ['/dev/mema'], opener: disks, now: () => 1_700_000_000, activation: 'in-process' });
  return { dir, disks, session, mapDir: join(dir, 'etc', 'changemap') };
}

test('change map: writes through open() set exactly their regions, generation after generation', async (t) => {
  const { session, dir } = setup(t);
  const s = session();
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '64m' });
  const h = await s.open('vg/data');
  await h.write(0, new Uint8Array(4096).fill(1));
  // Enabled after a write: its first generation cannot vouch for what came before.
  assert.deepEqual(await s.enableChangeMap('vg', 'data', { regionSize: 256 * KiB }), { generation: 1, regionSize: 256 * KiB });
  const first = await s.rotateChangeMap('vg', 'data');
  assert.equal(first.generation, 1);
  assert.equal(first.all, true);
  assert.equal(changeMapChanges(first, undefined, 64 * MiB).ranges, 'all');

  // One write inside region 3, one across regions 8|9, a discard of 10-11, write-zeroes in 40.
  await h.write(3 * 256 * KiB + 100, new Uint8Array(1000).fill(2));
  await h.write(9 * 256 * KiB - 512, new Uint8Array(1024).fill(3));
  await h.discard(10 * 256 * KiB, 512 * KiB);
  await h.read(50 * 256 * KiB, 4096);
  const second = await s.rotateChangeMap('vg', 'data');
  assert.equal(second.generation, 2);
  assert.equal(second.all, false);
  assert.deepEqual(regions(second), [3, 8, 9, 10, 11]);
  assert.deepEqual(changeMapChanges(second, 1, 64 * MiB), {
    tracker: 'change-map',
    ranges: [
      { offset: 3 * 256 * KiB, length: 256 * KiB },
      { offset: 8 * 256 * KiB, length: 4 * 256 * KiB },
    ],
  });
  // A parent from another generation (a backup in between failed after its rotate): everything.
  assert.equal(changeMapChanges(second, 0, 64 * MiB).ranges, 'all');
  // The last region is clipped to the volume's size.
  await h.write(64 * MiB - 4096, new Uint8Array(4096).fill(4));
  const third = await s.rotateChangeMap('vg', 'data');
  assert.deepEqual(regions(third), [255]);
  assert.deepEqual(changeMapChanges(third, 2, 64 * MiB - 100 * KiB).ranges, [{ offset: 255 * 256 * KiB, length: 156 * KiB }]);
  // Nothing written: an empty generation.
  assert.deepEqual(regions(await s.rotateChangeMap('vg', 'data')), []);
  await h.close();
  assert.equal(readdirSync(join(dir, 'etc', 'changemap')).length, 1);
});

test('change map: a rotate under a concurrent writer loses no write', async (t) => {
  const { session } = setup(t);
  const s = session();
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '64m' });
  await s.enableChangeMap('vg', 'data', { regionSize: 64 * KiB });
  await s.rotateChangeMap('vg', 'data');
  const h = await s.open('vg/data');
  const rnd = seededRandom(7);
  const gens: number[][] = [];
  let rotatesCalled = 0;
  const writes: { region: number; issued: number; done: number }[] = [];
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const region = Math.floor(rnd() * 1024);
      const w = { region, issued: rotatesCalled, done: -1 };
      await h.write(region * 64 * KiB + Math.floor(rnd() * 60) * KiB, new Uint8Array(2 * KiB).fill(region & 0xff));
      w.done = rotatesCalled;
      writes.push(w);
    }
  };
  const writers = [writer(), writer(), writer(), writer()];
  for (let k = 0; k < 12; k++) {
    await new Promise((r) => setTimeout(r, 5 + Math.floor(rnd() * 10)));
    rotatesCalled++;
    gens.push(regions(await s.rotateChangeMap('vg', 'data')));
  }
  stop = true;
  await Promise.all(writers);
  rotatesCalled++;
  gens.push(regions(await s.rotateChangeMap('vg', 'data')));
  assert.ok(writes.length > 100, `only ${writes.length} writes`);
  // Generation k (0-based in gens) is the one ended by rotate k+1: it spans from call k to call
  // k+1. A write may land on the device at any moment between its start and its completion, so
  // (as a snapshot may be taken at any rotate in between) it must be in the generation it began
  // in and in the one it completed in: a write in flight at a rotate belongs to both sides.
  const lost = writes.filter((w) => !gens[w.issued]!.includes(w.region) || !gens[w.done]!.includes(w.region));
  assert.deepEqual(lost, []);
  assert.ok(writes.some((w) => w.issued !== w.done), 'some writes were in flight at a rotate');
  // And no generation names a region nobody wrote in it (the map is exact, not just a superset).
  for (let g = 0; g < gens.length; g++) for (const r of gens[g]!) assert.ok(writes.some((w) => w.region === r && w.issued <= g && w.done >= g), `gen ${g} region ${r}`);
  await h.close();
});

test('change map: a write past the gate when the rotate comes is in both generations', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-changemap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const m = ChangeMap.create(join(dir, 'map'), 4096);
  t.after(() => m.close());
  await m.rotate();
  const inFlight = await m.beforeWrite(5 * 4096, 4096);
  const waiting = m.beforeWrite(9 * 4096, 10);
  const gen2 = await m.rotate();
  const done9 = await waiting;
  inFlight();
  done9();
  (await m.beforeWrite(7 * 4096, 1))();
  const gen3 = await m.rotate();
  assert.deepEqual(regions(gen2), [5, 9]);
  assert.deepEqual(regions(gen3), [5, 7, 9]);
  assert.deepEqual(regions(await m.rotate()), []);
});

test('change map: the bit is in the file before the gate lets the write go down', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-changemap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'map');
  const m = ChangeMap.create(path, 4096);
  t.after(() => m.close());
  await m.rotate();
  // Pages apart (a page holds 32768 regions) and within one page, concurrently.
  const rs = [3, 4, 40_000, 70_001, 5];
  const gates = rs.map(async (r) => {
    const done = await m.beforeWrite(r * 4096, 100);
    // What a kill at this instant would leave: the file, read by a new map.
    const bits = new Uint8Array(readFileSync(path).subarray(4096));
    done();
    return (bits[r >> 3]! >> (r & 7)) & 1;
  });
  assert.deepEqual(await Promise.all(gates), [1, 1, 1, 1, 1]);
  assert.equal(m.counts.slow, 5);
  (await m.beforeWrite(3 * 4096, 10))();
  assert.equal(m.counts.fast, 1, 'a region already durable does not wait');
});

test('change map: every acknowledged write has its bit on disk; a corrupt or missing file says all', async (t) => {
  const { session, mapDir } = setup(t);
  const s = session();
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '32m' });
  await s.enableChangeMap('vg', 'data');
  await s.rotateChangeMap('vg', 'data');
  const h = await s.open('vg/data');
  const written = new Set<number>();
  const rnd = seededRandom(11);
  await Promise.all(
    Array.from({ length: 40 }, async () => {
      const r = Math.floor(rnd() * 32);
      await h.write(r * MiB, new Uint8Array(512).fill(1));
      written.add(r);
    }),
  );
  // What a crash right now would leave: the file as it is on disk, read by a new map.
  const file = join(mapDir, readdirSync(mapDir)[0]!);
  const onDisk = ChangeMap.open(file);
  assert.equal(onDisk.note, undefined);
  const r = await onDisk.map.rotate();
  onDisk.map.close();
  assert.deepEqual(regions(r), [...written].sort((a, b) => a - b));
  assert.equal(r.all, false);
  await h.close();
  await s.close();

  // A torn header: the next session rebuilds the map, and its generation says all.
  writeFileSync(file, Buffer.alloc(100, 0xff));
  const s2 = session();
  t.after(() => s2.close());
  await s2.activate('vg', ['data']);
  const rebuilt = await s2.rotateChangeMap('vg', 'data');
  assert.equal(rebuilt.all, true);
  assert.equal(changeMapChanges(rebuilt, rebuilt.generation - 1, 32 * MiB).ranges, 'all');
  // The next generation vouches again.
  const h2 = await s2.open('vg/data');
  await h2.write(5 * MiB, new Uint8Array(10));
  const next = await s2.rotateChangeMap('vg', 'data');
  assert.equal(next.all, false);
  assert.deepEqual(regions(next), [5]);
  await h2.close();
  rmSync(file);
  await s2.deactivate('vg', ['data']);
  await s2.activate('vg', ['data']);
  assert.equal((await s2.rotateChangeMap('vg', 'data')).all, true, 'a lost file');
});

test('change map: a session that never asks for the map still keeps it for the LVs it opens', async (t) => {
  const { session } = setup(t);
  const s = session();
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '32m' });
  await s.enableChangeMap('vg', 'data');
  await s.rotateChangeMap('vg', 'data');
  await s.close();
  const other = session();
  t.after(() => other.close());
  const h = await other.open('vg/data');
  await h.write(7 * MiB, new Uint8Array(4096).fill(1));
  await h.close();
  const r = await other.rotateChangeMap('vg', 'data');
  assert.equal(r.all, false);
  assert.deepEqual(regions(r), [7]);
});

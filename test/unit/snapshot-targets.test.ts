// Copy-on-write at run time: origin writes preserve old chunks in the COW, snapshots read them
// back, the table survives a reload, and a COW that fills up invalidates its snapshot on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTarget as Ram } from '../helpers/memory-target.ts';
import { CowStore } from '../../src/mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../../src/mapper/snapshot-targets.ts';
import { decodeArea, decodeSnapshotHeader } from '../../src/formats/exception-store.ts';

const MiB = 1024 * 1024;
const C = 8; // 4 KiB chunks
const CB = C * 512;

async function setUp(cowBytes: number) {
  const real = new Ram(4 * MiB);
  for (let i = 0; i < real.size; i++) real.bytes[i] = (i >> 12) & 0xff; // each 4 KiB chunk holds its number
  const cow = new Ram(cowBytes);
  const store = new CowStore(cow, C);
  await store.load();
  const origin = new OriginTarget(real, () => [store]);
  const snap = new SnapshotTarget(real, store);
  return { real, cow, store, origin, snap };
}

test('a fresh COW gets the header and a zeroed first area; origin writes keep old chunks for the snapshot', async () => {
  const { real, cow, store, origin, snap } = await setUp(1 * MiB);
  assert.deepEqual(decodeSnapshotHeader(cow.bytes.subarray(0, CB)), { kind: 'header', header: { valid: true, version: 1, chunkSize: 8 } });
  assert.equal(store.percent(), 0);
  await origin.write(5 * CB + 100, new Uint8Array(10).fill(0xee));
  await origin.write(9 * CB, new Uint8Array(CB * 2).fill(0xdd)); // chunks 9 and 10
  assert.equal(real.bytes[5 * CB + 100], 0xee, 'the origin has the new data');
  const old = await snap.read(5 * CB, CB);
  assert.ok(old.every((b) => b === 5), 'the snapshot still reads chunk 5 as it was');
  assert.ok((await snap.read(9 * CB, 2 * CB)).every((b, i) => b === (i < CB ? 9 : 10)));
  assert.ok((await snap.read(20 * CB, CB)).every((b) => b === 20), 'unchanged chunks come from the origin');
  // Exceptions as the kernel lays them out: chunk 0 header, 1 area, data from chunk 2 on.
  assert.deepEqual(decodeArea(cow.bytes.subarray(CB, 2 * CB), C).records, [
    { oldChunk: 5, newChunk: 2 }, { oldChunk: 9, newChunk: 3 }, { oldChunk: 10, newChunk: 4 },
  ]);
  assert.deepEqual(store.usage(), { allocated: 5 * C, total: MiB / 512, metadata: 2 * C });
  assert.equal(store.percent(), (100 * 5 * C) / (MiB / 512));
  // A second write to a chunk already copied does not copy again.
  await origin.write(5 * CB, new Uint8Array(4).fill(1));
  assert.equal(store.usage().allocated, 5 * C);
});

test('data reaches the COW and is flushed before the area that points to it', async () => {
  const { cow, origin } = await setUp(1 * MiB);
  cow.ops.length = 0;
  await origin.write(3 * CB, new Uint8Array(1));
  assert.deepEqual(cow.ops, [`w${2 * CB}`, 'f', `w${CB}`, 'f']);
});

test('the exception table survives a reload, and snapshot writes land in the COW only', async () => {
  const { real, cow, origin, snap } = await setUp(1 * MiB);
  await origin.write(7 * CB, new Uint8Array(CB).fill(0xaa));
  await snap.write(11 * CB + 10, new Uint8Array(3).fill(0xbb));
  assert.equal(real.bytes[11 * CB + 10], 11, 'the origin is untouched by a snapshot write');
  const again = new CowStore(cow, C);
  await again.load();
  assert.equal(again.lookup(7), 2);
  assert.equal(again.lookup(11), 3);
  const snap2 = new SnapshotTarget(real, again);
  const c11 = await snap2.read(11 * CB, CB);
  assert.deepEqual([c11[9], c11[10], c11[12], c11[13]], [11, 0xbb, 0xbb, 11]);
  assert.ok((await snap2.read(7 * CB, CB)).every((b) => b === 7));
  void snap;
});

test('a COW that fills invalidates the snapshot on disk; the origin keeps working', async () => {
  // 8 chunks: header, area, 6 data chunks.
  const logs: string[] = [];
  const real = new Ram(1 * MiB);
  const cow = new Ram(8 * CB);
  const store = new CowStore(cow, C, (m) => logs.push(m));
  await store.load();
  const origin = new OriginTarget(real, () => [store]);
  const snap = new SnapshotTarget(real, store);
  await origin.write(0, new Uint8Array(6 * CB).fill(1));
  assert.equal(store.invalid, false);
  assert.equal(store.percent(), 100, '6 data + 2 metadata chunks of 8');
  await origin.write(6 * CB, new Uint8Array(CB).fill(2));
  assert.equal(store.invalid, true);
  assert.deepEqual(logs, ['device-mapper: snapshots: Invalidating snapshot: Unable to allocate exception.']);
  assert.equal(real.bytes[6 * CB], 2, 'the origin write still went through');
  const head = decodeSnapshotHeader(cow.bytes.subarray(0, CB));
  assert.deepEqual(head, { kind: 'header', header: { valid: false, version: 1, chunkSize: 8 } });
  await assert.rejects(snap.read(0, 512), /invalid/);
  const again = new CowStore(cow, C);
  await again.load();
  assert.equal(again.invalid, true, 'invalid after reload too');
  assert.equal(again.percent(), 100);
});

test('a corrupt COW header is refused', async () => {
  const cow = new Ram(64 * 1024);
  cow.bytes.fill(7, 0, 16);
  await assert.rejects(new CowStore(cow, C).load(), /Invalid or corrupt snapshot/);
});

test('concurrent first writes commit together (group commit), across an area boundary, one exception per chunk', async () => {
  const { real, cow, store, origin, snap } = await setUp(4 * MiB);
  cow.ops.length = 0;
  // 300 writers at once, two of them on every tenth chunk: 300 distinct chunks, 330 writes.
  const writes: Promise<void>[] = [];
  for (let c = 0; c < 300; c++) {
    writes.push(origin.write(c * CB, new Uint8Array(CB).fill(0x80)));
    if (c % 10 === 0) writes.push(origin.write(c * CB + 8, new Uint8Array(8).fill(0x81)));
  }
  await Promise.all(writes);
  const flushes = cow.ops.filter((o) => o === 'f').length;
  assert.ok(flushes <= 8, `${flushes} flushes for 300 exceptions: the commits were grouped`);
  assert.equal(store.exceptions().length, 300, 'one exception per chunk, even when two writers raced for it');
  for (const c of [0, 10, 255, 256, 299]) assert.ok((await snap.read(c * CB, CB)).every((b) => b === (c & 0xff)), `chunk ${c} kept its old data`);
  assert.equal(real.bytes[10 * CB + 8] === 0x81 || real.bytes[10 * CB + 8] === 0x80, true);
  const again = new CowStore(cow, C);
  await again.load();
  assert.deepEqual(again.exceptions().sort((a, b) => a[0] - b[0]), store.exceptions().sort((a, b) => a[0] - b[0]), 'both areas read back');
  assert.equal(again.usage().allocated, store.usage().allocated);
});

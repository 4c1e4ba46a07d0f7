// The persistent exception store's layout against the worked examples of the dm-snapshot reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  areaChunk, cowMaxSectors, dataCapacity, decodeArea, decodeSnapshotHeader, encodeArea, encodeSnapshotHeader, exceptionsPerArea, isAreaChunk, nextFree, snapshotUsage,
} from '../../src/formats/exception-store.ts';

test('header chunk bytes for 4 KiB chunks, and the three ways a header reads', () => {
  const h = encodeSnapshotHeader({ valid: true, version: 1, chunkSize: 8 }, 4096);
  assert.deepEqual([...h.subarray(0, 16)], [0x53, 0x6e, 0x41, 0x70, 1, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
  assert.ok(h.subarray(16).every((b) => b === 0));
  assert.deepEqual(decodeSnapshotHeader(h), { kind: 'header', header: { valid: true, version: 1, chunkSize: 8 } });
  assert.deepEqual(decodeSnapshotHeader(new Uint8Array(4096)), { kind: 'new' });
  assert.deepEqual(decodeSnapshotHeader(new Uint8Array(4096).fill(7)), { kind: 'corrupt' });
  const invalid = encodeSnapshotHeader({ valid: false, version: 1, chunkSize: 8 }, 4096);
  assert.equal(invalid[4], 0);
});

test('areas, records and allocation as in the worked example (C = 8, two origin writes)', () => {
  assert.equal(exceptionsPerArea(8), 256);
  assert.deepEqual([0, 1, 2].map((k) => areaChunk(8, k)), [1, 258, 515]);
  assert.ok(isAreaChunk(8, 258) && !isAreaChunk(8, 257) && !isAreaChunk(8, 0));
  assert.equal(nextFree(8, 257), 259, 'the area chunk is skipped');
  const area = encodeArea([{ oldChunk: 5, newChunk: 2 }, { oldChunk: 9, newChunk: 3 }], 8);
  assert.deepEqual([...area.subarray(0, 32)], [5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(decodeArea(area, 8), { records: [{ oldChunk: 5, newChunk: 2 }, { oldChunk: 9, newChunk: 3 }], full: false });
  assert.deepEqual(snapshotUsage(4, 0, 8), { allocated: 32, metadata: 16 }, 'status 32/24576 16');
});

test('capacity: a 12 MiB COW holds 3,059 chunks, so 14 MiB of changes overflow it; lvm2 sizes', () => {
  assert.equal(dataCapacity(24576, 8), 3059);
  assert.equal(dataCapacity(28672, 8), 3569, 'even an exact 14 MiB COW has only 3,569 data chunks');
  assert.equal(cowMaxSectors(14 * 2048, 8), 3600 * 8, '1 + 3,584 + 15 chunks');
  assert.equal(cowMaxSectors(10 * 1024 * 2048, 8), (2621440 + 10241 + 1) * 8, 'origin 10 GiB → 10.04 GiB');
  assert.equal(cowMaxSectors(500 * 2048, 8), (128000 + 501 + 1) * 8, 'origin 500 MiB → 501.96 MiB');
});

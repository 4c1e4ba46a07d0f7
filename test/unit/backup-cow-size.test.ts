// Choosing a classic snapshot's COW size for a backup: rate × duration × safety factor, whole
// chunks with their exception areas and lvm2's three-chunk floor, in extents; capped by what the
// origin could ever need and by the VG's free space. Expected figures worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseCowSize, type CowSizeInput } from '../../src/backup/cow-size.ts';
import { UlvmError } from '../../src/errors.ts';

const MiB = 1024 * 1024;
/** 4 MiB extents, a 1 GiB origin, room to spare. */
const base: CowSizeInput = { writeRate: MiB, durationSeconds: 60, extentSize: 8192, originSectors: 2 * 1024 * 1024, freeExtents: 1000 };

test('COW sizes from the write rate and the backup duration', () => {
  const rows: [string, Partial<CowSizeInput>, number, number, string | undefined][] = [
    // 120 MiB of changes: 30720 chunks + 121 exception areas + header = 246736 sectors, + 24 = 30.1 extents.
    ['1 MiB/s for a minute, factor 2', {}, 31, 31, undefined],
    // Factor 3, 64 KiB chunks: 2880 chunks + 1 area + header = 368896, + 384 = 45.1 extents.
    ['factor 3 with 64 KiB chunks', { safetyFactor: 3, chunkSize: 128 }, 46, 46, undefined],
    // Nothing written: the header, one area and the floor (40 sectors) in 4 KiB extents.
    ['an idle origin gets the floor', { writeRate: 0, extentSize: 8 }, 5, 5, undefined],
    // 70 GiB would be asked; a 1 GiB origin never needs more than 262144 chunks + 1025 areas + header.
    ['10 MiB/s for an hour on a 1 GiB origin', { writeRate: 10 * MiB, durationSeconds: 3600 }, 258, 18071, 'origin'],
    ['the VG has only 20 extents free', { freeExtents: 20 }, 20, 31, 'free'],
    ['exactly the free space is not a cap', { freeExtents: 31 }, 31, 31, undefined],
  ];
  for (const [what, over, extents, wanted, cap] of rows) {
    const r = chooseCowSize({ ...base, ...over });
    assert.equal(r.extents, extents, what);
    assert.equal(r.sectors, extents * (over.extentSize ?? base.extentSize), what);
    assert.equal(r.wantedExtents, wanted, what);
    assert.equal(r.cappedBy, cap, what);
    if (cap) assert.match(r.note ?? '', cap === 'free' ? /capped at the VG's free/ : /never needs more than its whole origin/, what);
    else assert.equal(r.note, undefined, what);
  }
});

test('no room for even the smallest store, and nonsense input, are errors', () => {
  assert.throws(() => chooseCowSize({ ...base, freeExtents: 0 }), (e: unknown) => e instanceof UlvmError && e.code === 'ENOSPC_VG' && /0 extents/.test(e.message));
  for (const bad of [{ writeRate: -1 }, { durationSeconds: Number.NaN }, { safetyFactor: 0.5 }, { chunkSize: 12 }, { extentSize: 0 }])
    assert.throws(() => chooseCowSize({ ...base, ...bad }), (e: unknown) => e instanceof UlvmError && e.code === 'INVALID_ARGUMENT', JSON.stringify(bad));
});

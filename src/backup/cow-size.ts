// How big a classic snapshot's COW store must be for a backup to finish before it fills (the
// lab's trap: a COW sized by guess overflows half-way and the backup is lost). The origin's
// measured write rate times the expected duration is what the COW must take in; a safety factor
// covers bursts and chunk granularity (a 4 KiB write copies a whole chunk); the exception store's
// own areas come on top, as does lvm2's minimum of three chunks. Capped where more could never be
// used (every origin chunk copied) and by the VG's free space, saying so.
import { cowMaxSectors } from '../model/cow-size.ts';
import { fail } from '../errors.ts';

/** lvm2's SNAPSHOT_MIN_CHUNKS: header, one exception area, one data chunk. */
const MIN_CHUNKS = 3;

export interface CowSizeInput {
  /** The origin's measured write rate, bytes per second. */
  writeRate: number;
  /** How long the backup is expected to read the snapshot, seconds. */
  durationSeconds: number;
  /** Default 2. */
  safetyFactor?: number;
  /** The VG's extent size, sectors. */
  extentSize: number;
  /** The snapshot's chunk size, sectors (lvm2's 8 by default). */
  chunkSize?: number;
  /** The origin's size, sectors. */
  originSectors: number;
  /** Free extents in the VG (where the COW can go). */
  freeExtents: number;
}

export interface CowSizeChoice {
  extents: number;
  sectors: number;
  /** What the rate asked for, before any cap. */
  wantedExtents: number;
  /** Why fewer extents than wanted: more could never be used (origin), or the VG has no more (free). */
  cappedBy?: 'origin' | 'free';
  /** The cap in words, for the backup's report. */
  note?: string;
}

const mib = (sectors: number) => `${(sectors / 2048).toFixed(2)} MiB`;

export function chooseCowSize(i: CowSizeInput): CowSizeChoice {
  const chunk = i.chunkSize ?? 8;
  const factor = i.safetyFactor ?? 2;
  if (!(i.writeRate >= 0) || !(i.durationSeconds >= 0) || !(factor >= 1) || !Number.isFinite(i.writeRate * i.durationSeconds * factor))
    fail(`Invalid COW sizing input: rate ${i.writeRate} B/s, duration ${i.durationSeconds} s, safety factor ${factor} (at least 1).`, 3, 'INVALID_ARGUMENT');
  if (!(i.extentSize > 0) || !(chunk >= 8) || chunk & (chunk - 1)) fail(`Invalid extent size ${i.extentSize} or chunk size ${chunk} (sectors).`, 3, 'INVALID_ARGUMENT');
  const toExtents = (sectors: number) => Math.ceil(sectors / i.extentSize);
  // What the changes take in the store: the header, the data in whole chunks and the exception
  // areas indexing them (the sum lvm2's cow_max_extents makes for a whole origin); lvm2's
  // minimum store comes on top as the floor.
  const changedSectors = Math.ceil((i.writeRate * i.durationSeconds * factor) / 512);
  const wantedExtents = toExtents(cowMaxSectors(changedSectors, chunk) + MIN_CHUNKS * chunk);
  const minExtents = toExtents(MIN_CHUNKS * chunk);
  const maxExtents = Math.max(minExtents, toExtents(cowMaxSectors(i.originSectors, chunk)));
  let extents = wantedExtents;
  let cappedBy: CowSizeChoice['cappedBy'];
  let note: string | undefined;
  if (extents > maxExtents) {
    extents = maxExtents;
    cappedBy = 'origin';
    note = `COW size ${mib(wantedExtents * i.extentSize)} capped at ${mib(maxExtents * i.extentSize)}: a snapshot never needs more than its whole origin and the exception areas.`;
  }
  if (extents > i.freeExtents) {
    if (i.freeExtents < minExtents)
      fail(`Volume group has insufficient free space (${i.freeExtents} extents) for a snapshot: ${minExtents} required at least.`, 5, 'ENOSPC_VG', { freeExtents: i.freeExtents, requiredExtents: minExtents });
    note = `COW size ${mib(extents * i.extentSize)} capped at the VG's free ${mib(i.freeExtents * i.extentSize)}: the snapshot may overflow if writes keep their rate (it is extended while the backup runs, where space allows).`;
    extents = i.freeExtents;
    cappedBy = 'free';
  }
  return { extents, sectors: extents * i.extentSize, wantedExtents, ...(cappedBy ? { cappedBy } : {}), ...(note ? { note } : {}) };
}

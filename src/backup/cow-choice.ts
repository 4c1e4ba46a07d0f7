// The COW size of a backup's classic snapshot: what the origin will write while the backup reads.
// The write rate is measured, not guessed, where it can be: the bytes the last incremental run
// found changed over the time between it and its parent. The backup's duration is the caller's
// figure or the last run's. The guard extends the snapshot while the backup runs if this was low.
import type { LvView } from '../api/views.ts';
import type { BackupManifest, BackupVolume } from './types.ts';
import { chooseCowSize } from './cow-size.ts';

/** A first backup's assumption: a tenth of the origin written per hour, read at 100 MiB/s. */
const DEFAULT_RATE_FRACTION_PER_S = 0.1 / 3600;
const DEFAULT_READ_RATE = 100 * 1024 * 1024;

/** Sectors for the COW store. */
export function chooseCowSectors(
  view: LvView,
  parent: { manifest: BackupManifest; volume: BackupVolume } | undefined,
  o: { cowSize?: number; expectedDurationS?: number },
  extentSize: number,
  freeExtents: number,
): number {
  if (o.cowSize !== undefined) return Math.ceil(o.cowSize / 512);
  const v = parent?.volume;
  const rate = v?.changedBytes !== undefined && v.intervalMs ? (v.changedBytes * 1000) / v.intervalMs : view.size * DEFAULT_RATE_FRACTION_PER_S;
  const duration = o.expectedDurationS ?? (parent ? Math.max(1, parent.manifest.stats.durationMs / 1000) : view.size / DEFAULT_READ_RATE);
  return chooseCowSize({ writeRate: rate, durationSeconds: duration, extentSize, originSectors: view.size / 512, freeExtents }).sectors;
}

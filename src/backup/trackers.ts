// Which change tracker a volume's backup uses: the cheapest one whose answer can be trusted.
// A thin origin whose previous backup snapshot is still in the pool: the pool's own delta between
// the two snapshots. A classic origin whose previous backup kept its COW snapshot, still valid:
// that snapshot's exception table (every chunk written since). Otherwise everything is read.
import type { Session } from '../api/session.ts';
import type { LvView } from '../api/views.ts';
import type { BackupVolume, ChangedRanges } from './types.ts';
import { thinChanges } from './track/thin.ts';
import { cowChanges } from './track/cow.ts';
import { fullChanges } from './track/full.ts';
import { changeMapChanges } from './track/change-map.ts';
import type { RotatedChangeMap } from '../mapper/change-map.ts';

export interface TrackedMember {
  view: LvView;
  thin: boolean;
  snapshot: string;
  /** The change map's generation that ended at this backup's instant. */
  rotated?: RotatedChangeMap;
  parent?: { volume: BackupVolume };
}

export async function chooseTracker(session: Session, vg: string, m: TrackedMember, lvs: readonly LvView[]): Promise<ChangedRanges> {
  const p = m.parent?.volume;
  if (!p) return { ...fullChanges(), note: 'no earlier backup of this volume: read in full' };
  const prev = lvs.find((l) => l.name === p.snapshot.name);
  if (p.snapshot.kind === 'thin' && m.thin) {
    if (!prev) return { ...fullChanges(), note: `the previous backup's snapshot ${vg}/${p.snapshot.name} is gone: read in full` };
    if (prev.pool !== m.view.pool) return { ...fullChanges(), note: `the previous backup's snapshot ${vg}/${p.snapshot.name} is in another pool: read in full` };
    return thinChanges(session, vg, p.snapshot.name, m.snapshot);
  }
  if (p.snapshot.kind === 'cow' && !m.thin) {
    if (!prev) return { ...fullChanges(), note: `the previous backup's snapshot ${vg}/${p.snapshot.name} is gone: read in full` };
    return cowChanges(session, vg, p.snapshot.name);
  }
  if (m.rotated) return changeMapChanges(m.rotated, p.changeMapGeneration, m.view.size);
  return { ...fullChanges(), note: 'no change tracking between the previous backup and this one: read in full' };
}

// The thin tracker: what differs between the previous backup's thin snapshot and the new one,
// from the pool's metadata (thin_delta's walk; shared subtrees are skipped unread). A block one
// side maps and the other does not changed too: written (right_only) or discarded (left_only,
// which now reads as zeros).
import type { Session } from '../../api/session.ts';
import type { ChangedRanges } from '../types.ts';

export async function thinChanges(session: Session, vg: string, previousSnapshot: string, newSnapshot: string): Promise<ChangedRanges> {
  const d = await session.changedBlocks(vg, previousSnapshot, newSnapshot);
  return { tracker: 'thin-delta', ranges: d.ranges.map((r) => ({ offset: r.offset, length: r.length })) };
}

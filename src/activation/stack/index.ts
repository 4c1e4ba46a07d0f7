// Which builder stacks an LV: its role in a snapshot family first (lvm2's lv_is_origin/lv_is_cow
// come before the segment type), else the type of its segments.
import type { LogicalVolume, VolumeGroup } from '../../model/types.ts';
import { segType } from '../../model/types.ts';
import { snapshotOfCow, snapshotsOfOrigin } from '../../model/snapshots.ts';
import { linearStriped } from './linear-striped.ts';
import { snapshot, snapshotMerge, snapshotOrigin } from './snapshot.ts';
import type { StackBuilder } from './types.ts';
import { thinBuilder, thinPoolBuilder } from './thin.ts';

const builders = new Map<string, StackBuilder>([
  ['striped', linearStriped],
  ['linear', linearStriped],
  ['zero', linearStriped],
  ['error', linearStriped],
  ['snapshot-origin', snapshotOrigin],
  ['snapshot', snapshot],
  ['snapshot-merge', snapshotMerge],
  ['thin-pool', thinPoolBuilder],
  ['thin', thinBuilder],
]);

/** A segment type module's builder, under its segment type name. */
export function registerStackBuilder(type: string, b: StackBuilder): void {
  builders.set(type, b);
}

export function stackTypeOf(vg: VolumeGroup, lv: LogicalVolume, merging: boolean): string {
  if (snapshotsOfOrigin(vg, lv.name).length) return merging ? 'snapshot-merge' : 'snapshot-origin';
  if (snapshotOfCow(vg, lv.name)) return 'snapshot';
  return lv.segments[0] ? segType(lv.segments[0]) : 'striped';
}

/** Unknown segment types fall to the plain builder, whose table says what cannot be mapped. */
export function stackBuilder(type: string): StackBuilder {
  return builders.get(type) ?? linearStriped;
}

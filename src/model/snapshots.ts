// Classic snapshot relations in a VG: the hidden snapshotN LV's segment names the origin and the
// COW store (the LV users see as the snapshot), as lvm2's snapshot_manip.c reads them.
import type { LogicalVolume, Segment, VolumeGroup } from './types.ts';
import { attrInt, attrString, segType } from './types.ts';

export interface SnapshotLink {
  /** The internal snapshotN LV holding the snapshot segment. */
  holder: LogicalVolume;
  seg: Segment;
  origin: string;
  cow: string;
  /** Chunk size in sectors. */
  chunk: number;
}

export function snapshotLinks(vg: VolumeGroup): SnapshotLink[] {
  const out: SnapshotLink[] = [];
  for (const lv of vg.lvs)
    for (const seg of lv.segments) {
      if (segType(seg) !== 'snapshot') continue;
      const origin = attrString(seg, 'origin');
      const cow = attrString(seg, 'cow_store') ?? attrString(seg, 'merging_store');
      if (origin && cow) out.push({ holder: lv, seg, origin, cow, chunk: attrInt(seg, 'chunk_size') ?? 8 });
    }
  return out;
}

/** The link of a COW store LV (the snapshot as users name it). */
export function snapshotOfCow(vg: VolumeGroup, cowName: string): SnapshotLink | undefined {
  return snapshotLinks(vg).find((l) => l.cow === cowName);
}

/** Snapshots of an origin, in metadata order. */
export function snapshotsOfOrigin(vg: VolumeGroup, originName: string): SnapshotLink[] {
  return snapshotLinks(vg).filter((l) => l.origin === originName);
}

/**
 * LVs that activate and deactivate together, as lvm2 does for an origin and its snapshots:
 * the origin first, then its COW stores. Other LVs stand alone.
 */
export function activationFamily(vg: VolumeGroup, lvName: string): string[] {
  const link = snapshotOfCow(vg, lvName);
  const origin = link ? link.origin : lvName;
  return [origin, ...snapshotsOfOrigin(vg, origin).map((l) => l.cow)];
}

/** Next free snapshotN name (highest existing + 1, as lvm2's generate_lv_name). */
export function nextSnapshotName(vg: VolumeGroup): string {
  let n = -1;
  for (const lv of vg.lvs) {
    const m = /^snapshot(\d+)$/.exec(lv.name);
    if (m) n = Math.max(n, Number(m[1]));
  }
  return `snapshot${n + 1}`;
}

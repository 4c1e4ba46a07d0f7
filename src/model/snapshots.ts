// Classic snapshot relations in a VG: the hidden snapshotN LV's segment names the origin and the
// COW store (the LV users see as the snapshot), as lvm2's snapshot_manip.c reads them.
import type { LogicalVolume, SnapshotSegment, VolumeGroup } from './types.ts';
import { lvExtents, snapshotCow } from './types.ts';
import { cowMaxSectors } from './cow-size.ts';

export interface SnapshotLink {
  /** The internal snapshotN LV holding the snapshot segment. */
  holder: LogicalVolume;
  seg: SnapshotSegment;
  origin: string;
  cow: string;
  /** Chunk size in sectors. */
  chunk: number;
  /** `lvconvert --merge` asked for this snapshot to roll its origin back (merging_store). */
  merging: boolean;
}

export function snapshotLinks(vg: VolumeGroup): SnapshotLink[] {
  const out: SnapshotLink[] = [];
  for (const lv of vg.lvs)
    for (const seg of lv.segments) {
      if (seg.kind !== 'snapshot') continue;
      const cow = snapshotCow(seg);
      if (seg.origin && cow) out.push({ holder: lv, seg, origin: seg.origin, cow, chunk: seg.chunkSize, merging: seg.mergingStore !== undefined });
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

/** The snapshot an origin is merging (at most one: lvm2 refuses a second). */
export function mergingSnapshotOf(vg: VolumeGroup, originName: string): SnapshotLink | undefined {
  return snapshotsOfOrigin(vg, originName).find((l) => l.merging);
}

/**
 * lvm2's init_snapshot_merge as metadata: the segment names its COW as `merging_store`, and the
 * snapshotN LV loses VISIBLE (the merging COW is hidden from then on). Mutates `vg` (a clone).
 */
export function startMerge(vg: VolumeGroup, cowName: string): void {
  const link = snapshotOfCow(vg, cowName);
  if (!link) throw new Error(`${cowName} is not a snapshot`);
  link.seg.mergingStore = link.cow;
  delete link.seg.cowStore;
  link.holder.status = link.holder.status.filter((s) => s !== 'VISIBLE');
}

/** Drops a snapshot from the VG: its COW store LV and the snapshotN LV. Mutates `vg` (a clone). */
export function dropSnapshot(vg: VolumeGroup, cowName: string): void {
  const link = snapshotOfCow(vg, cowName);
  const drop = new Set([cowName, ...(link ? [link.holder.name] : [])]);
  vg.lvs = vg.lvs.filter((l) => !drop.has(l.name));
}

/** lvm2's cow_max_extents: a COW never needs more than every origin chunk plus its exception areas. */
export function cowMaxExtents(vg: VolumeGroup, origin: LogicalVolume, chunk: number): number {
  return Math.ceil(cowMaxSectors(lvExtents(origin) * vg.extentSize, chunk) / vg.extentSize);
}

/** Bytes of the origin a snapshot covers: its segment, the origin's size when it was taken. */
export function snapshotSpanBytes(vg: VolumeGroup, link: SnapshotLink): number {
  return link.seg.extentCount * vg.extentSize * 512;
}

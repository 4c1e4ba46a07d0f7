// The VG/PV/LV/segment model, named as lvm2 names things. Plain data: easy to clone and compare.
import type { RawNode } from './raw.ts';

export interface VolumeGroup {
  name: string;
  /** 32 id characters without dashes. */
  id: string;
  seqno: number;
  status: string[];
  flags: string[];
  tags: string[];
  systemId?: string;
  lockType?: string;
  lockArgs?: string;
  /** In 512-byte sectors. */
  extentSize: number;
  maxLv: number;
  maxPv: number;
  allocationPolicy?: string;
  profile?: string;
  metadataCopies: number;
  pvs: PhysicalVolume[];
  lvs: LogicalVolume[];
  /** Kept verbatim so that lvm2's history records survive our writes. */
  historicalLvs?: RawNode[];
}

export interface PhysicalVolume {
  id: string;
  /** Device path hint as recorded in the metadata. */
  device: string;
  deviceIdType?: string;
  deviceId?: string;
  status: string[];
  flags: string[];
  tags: string[];
  /** Sectors. */
  devSize: number;
  peStart: number;
  peCount: number;
  baStart?: number;
  baSize?: number;
}

export type Area = { kind: 'pv'; pvId: string; pe: number } | { kind: 'lv'; lv: string; le: number };

/** What every segment has, whatever its type. */
export interface SegmentBase {
  startExtent: number;
  extentCount: number;
  /** Segment type name, with `+FLAG` suffixes as written. */
  type: string;
  reshapeCount?: number;
  tags: string[];
}

/** striped, linear being one stripe (lib/striped). */
export interface StripedSegment extends SegmentBase {
  kind: 'striped';
  areas: Area[];
  /** Sectors, only when more than one stripe. */
  stripeSize?: number;
}

/** A classic snapshot, held by the internal snapshotN LV (lib/snapshot). */
export interface SnapshotSegment extends SegmentBase {
  kind: 'snapshot';
  origin: string;
  /** The COW store LV; `mergingStore` instead while `lvconvert --merge` rolls the origin back. */
  cowStore?: string;
  mergingStore?: string;
  /** Sectors. */
  chunkSize: number;
}

/** A thin pool (lib/thin): its data LV (`pool`) and metadata LV. */
export interface ThinPoolSegment extends SegmentBase {
  kind: 'thin-pool';
  metadata: string;
  pool: string;
  transactionId: number;
  /** Sectors. */
  chunkSize: number;
  /** "ignore" | "nopassdown" | "passdown"; absent in the text reads as "ignore". */
  discards: string;
  zeroNewBlocks: boolean;
  /** Written only when selected. */
  cropMetadata?: number;
  /** Pending messages and keys ulvm does not interpret, in write order. */
  extra: RawNode[];
}

/** A thin LV in a pool (lib/thin). */
export interface ThinSegment extends SegmentBase {
  kind: 'thin';
  thinPool: string;
  transactionId: number;
  deviceId: number;
  origin?: string;
  externalOrigin?: string;
  /** A thin snapshot merge pending. */
  merge?: string;
  extra: RawNode[];
}

export interface ZeroSegment extends SegmentBase {
  kind: 'zero';
}

export interface ErrorSegment extends SegmentBase {
  kind: 'error';
}

/**
 * A type ulvm does not implement (raid, mirror, cache ...): every key is kept as read and written
 * back as lvm2 wrote it. Areas given as `"pvN", PE` pairs are also read, so their extents count as used.
 */
export interface UnknownSegment extends SegmentBase {
  kind: 'unknown';
  nodes: RawNode[];
  /** The node (by key) that `areas` was read from, written back from `areas`. */
  areasKey?: string;
  areas?: Area[];
}

export type Segment = StripedSegment | SnapshotSegment | ThinPoolSegment | ThinSegment | ZeroSegment | ErrorSegment | UnknownSegment;
export type SegmentKind = Segment['kind'];

export interface LogicalVolume {
  name: string;
  id: string;
  status: string[];
  flags: string[];
  tags: string[];
  creationTime?: number;
  creationHost?: string;
  lockArgs?: string;
  allocationPolicy?: string;
  profile?: string;
  /** undefined = auto; -1 = none. */
  readAhead?: number;
  major?: number;
  minor?: number;
  segments: Segment[];
}

/** The segment type's name without `+FLAG` suffixes (lvm2's segtype->name). */
export function segType(seg: Segment): string {
  const plus = seg.type.indexOf('+');
  return plus >= 0 ? seg.type.slice(0, plus) : seg.type;
}

/** The LV a snapshot segment keeps its exceptions in, merging or not. */
export function snapshotCow(seg: SnapshotSegment): string {
  return seg.mergingStore ?? seg.cowStore ?? '';
}

export function lvExtents(lv: LogicalVolume): number {
  let n = 0;
  for (const s of lv.segments) n += s.extentCount;
  return n;
}

export function isVisible(lv: LogicalVolume): boolean {
  return lv.status.includes('VISIBLE');
}

/** PEs one area of a segment covers: striped segments spread their extents over the stripes. */
export function areaExtents(seg: Segment): number {
  return seg.kind === 'striped' && seg.areas.length ? seg.extentCount / seg.areas.length : seg.extentCount;
}

/**
 * lvm2's lv_is_visible: the LV holding a snapshot segment is internal; a COW store is visible when
 * its origin is; anything else by its VISIBLE flag. Decides, among other things, which of the two
 * groups an LV is printed in when metadata is written.
 */
export function lvIsVisible(vg: VolumeGroup, lv: LogicalVolume, depth = 0): boolean {
  if (lv.segments.some((s) => s.kind === 'snapshot')) return false;
  if (depth < 8) {
    for (const l of vg.lvs)
      for (const s of l.segments)
        if (s.kind === 'snapshot' && s.cowStore === lv.name) {
          const origin = vg.lvs.find((o) => o.name === s.origin);
          if (origin) return lvIsVisible(vg, origin, depth + 1);
        }
  }
  return isVisible(lv);
}

/** Areas a segment maps straight onto (PV or LV extents); pools and snapshots name their LVs instead. */
export function segAreas(seg: Segment): Area[] {
  if (seg.kind === 'striped') return seg.areas;
  if (seg.kind === 'unknown') return seg.areas ?? [];
  return [];
}

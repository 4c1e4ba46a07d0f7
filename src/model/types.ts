// The VG/PV/LV/segment model, named as lvm2 names things. Plain data: easy to clone and compare.
import type { ConfigNode } from '../formats/config-text.ts';

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
  historicalLvs?: ConfigNode[];
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

export interface Segment {
  startExtent: number;
  extentCount: number;
  /** Segment type name, with `+FLAG` suffixes as written. */
  type: string;
  reshapeCount?: number;
  tags: string[];
  /** striped: sectors, only when more than one stripe. */
  stripeSize?: number;
  /** striped (and other area-based types written with `stripes = [...]`). */
  areas?: Area[];
  /** Type-specific keys in write order (snapshot, thin, thin-pool, unknown types). */
  attrs: ConfigNode[];
}

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

export function segType(seg: Segment): string {
  const plus = seg.type.indexOf('+');
  return plus >= 0 ? seg.type.slice(0, plus) : seg.type;
}

export function lvExtents(lv: LogicalVolume): number {
  let n = 0;
  for (const s of lv.segments) n += s.extentCount;
  return n;
}

export function attrString(seg: Segment, key: string): string | undefined {
  const v = seg.attrs.find((n) => n.key === key)?.value;
  return v?.kind === 'string' ? v.value : undefined;
}

export function attrInt(seg: Segment, key: string): number | undefined {
  const v = seg.attrs.find((n) => n.key === key)?.value;
  return v?.kind === 'int' ? v.value : undefined;
}

export function isVisible(lv: LogicalVolume): boolean {
  return lv.status.includes('VISIBLE');
}

/** PEs one area of a segment covers: striped segments spread their extents over the stripes. */
export function areaExtents(seg: Segment): number {
  return segType(seg) === 'striped' && seg.areas?.length ? seg.extentCount / seg.areas.length : seg.extentCount;
}

/**
 * lvm2's lv_is_visible: the LV holding a snapshot segment is internal; a COW store is visible when
 * its origin is; anything else by its VISIBLE flag. Decides, among other things, which of the two
 * groups an LV is printed in when metadata is written.
 */
export function lvIsVisible(vg: VolumeGroup, lv: LogicalVolume, depth = 0): boolean {
  if (lv.segments.some((s) => segType(s) === 'snapshot')) return false;
  if (depth < 8) {
    for (const l of vg.lvs)
      for (const s of l.segments)
        if (segType(s) === 'snapshot' && attrString(s, 'cow_store') === lv.name) {
          const origin = vg.lvs.find((o) => o.name === attrString(s, 'origin'));
          if (origin) return lvIsVisible(vg, origin, depth + 1);
        }
  }
  return isVisible(lv);
}

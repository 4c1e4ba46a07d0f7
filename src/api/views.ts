// What the library hands back: plain data about PVs, VGs, LVs and segments, built from the same
// row objects the reports print (so `lvs` and `listLvs()` never disagree). Sizes are in bytes.
import { thinSegOf } from '../model/thin.ts';
import type { LvObject, PvObject, VgObject } from '../report/objects.ts';
import { lvAttr, pvAttr, vgAttr } from '../report/attrs.ts';
import { areaExtents, lvExtents, lvIsVisible, segAreas } from '../model/types.ts';
import { snapshotOfCow, snapshotsOfOrigin } from '../model/snapshots.ts';
import { formatId } from '../formats/uuid.ts';
import { freeExtents } from '../model/alloc.ts';

const SECTOR = 512;

export interface PvView {
  /** Device path (`/dev/loop0`, an image file). */
  name: string;
  uuid: string;
  /** VG name, or undefined for a PV in no VG. */
  vg?: string;
  /** lvm2's pv_attr (`a--`). */
  attr: string;
  size: number;
  free: number;
  peCount: number;
  peAllocated: number;
  missing: boolean;
}

export interface VgView {
  name: string;
  uuid: string;
  /** lvm2's vg_attr (`wz--n-`). */
  attr: string;
  seqno: number;
  extentSize: number;
  extentCount: number;
  freeExtents: number;
  size: number;
  free: number;
  pvCount: number;
  /** Visible LVs (lvm2's lv_count). */
  lvCount: number;
  snapshotCount: number;
  maxLv: number;
  maxPv: number;
  tags: string[];
}

export interface AreaView {
  /** A PV's device (or `[unknown]` when missing) and the first extent used on it, or an LV and its first logical extent. */
  pv?: string;
  lv?: string;
  start: number;
}

export interface SegmentView {
  /** Segment type as written in the metadata (`striped`, `snapshot`, …). */
  type: string;
  startExtent: number;
  extentCount: number;
  /** Striped segments: bytes per stripe chunk, when more than one stripe. */
  stripeSize?: number;
  areas: AreaView[];
}

export interface LvView {
  vg: string;
  name: string;
  uuid: string;
  /** lvm2's lv_attr (`-wi-a-----`). */
  attr: string;
  size: number;
  extents: number;
  visible: boolean;
  active: boolean;
  openCount?: number;
  /** lvm2's lv_path of an active LV (the daemon's device-tree file when it serves one). */
  path?: string;
  /** A snapshot: its origin LV; an origin: its snapshots. */
  origin?: string;
  snapshots: string[];
  /** Snapshot: percentage of its exception store in use; thin pool: of its data blocks; thin LV: of its size mapped (when active). */
  dataPercent?: number;
  /** Thin pool: percentage of its metadata in use, when active. */
  metadataPercent?: number;
  /** Thin LV: its pool; thin snapshot: its origin is in `origin`. */
  pool?: string;
  /** Thin pool or thin LV: what its target reports wrong (lvm2's lv_health_status). */
  health?: 'failed' | 'out_of_data' | 'metadata_read_only';
  tags: string[];
  segments: SegmentView[];
}

export function pvView(p: PvObject): PvView {
  const peCount = p.pv?.peCount ?? 0;
  let allocated = 0;
  for (const lv of p.vg?.lvs ?? []) for (const s of lv.segments) for (const a of segAreas(s)) if (a.kind === 'pv' && a.pvId === p.pv?.id) allocated += areaExtents(s);
  const extent = p.vg?.extentSize ?? 0;
  return {
    name: p.name,
    uuid: p.pvId ? formatId(p.pvId) : '',
    ...(p.vg ? { vg: p.vg.name } : {}),
    attr: pvAttr(p),
    size: (p.pv ? p.pv.peCount * extent : p.devSize) * SECTOR,
    free: (p.pv ? (peCount - allocated) * extent : p.devSize) * SECTOR,
    peCount,
    peAllocated: allocated,
    missing: p.missing,
  };
}

export function vgView(v: VgObject): VgView {
  const vg = v.vg;
  const extentCount = vg.pvs.reduce((n, p) => n + p.peCount, 0);
  const free = freeExtents(vg);
  return {
    name: vg.name,
    uuid: formatId(vg.id),
    attr: vgAttr(v),
    seqno: vg.seqno,
    extentSize: vg.extentSize * SECTOR,
    extentCount,
    freeExtents: free,
    size: extentCount * vg.extentSize * SECTOR,
    free: free * vg.extentSize * SECTOR,
    pvCount: vg.pvs.length,
    lvCount: vg.lvs.filter((l) => lvIsVisible(vg, l)).length,
    snapshotCount: vg.lvs.filter((l) => snapshotOfCow(vg, l.name)).length,
    maxLv: vg.maxLv,
    maxPv: vg.maxPv,
    tags: [...vg.tags],
  };
}

export function lvView(o: LvObject): LvView {
  const { vg } = o.vgo;
  const lv = o.lv;
  const link = snapshotOfCow(vg, lv.name);
  const extents = lvExtents(lv);
  const act = o.activation;
  return {
    vg: vg.name,
    name: lv.name,
    uuid: formatId(lv.id),
    attr: lvAttr(o),
    size: extents * vg.extentSize * SECTOR,
    extents,
    visible: lvIsVisible(vg, lv),
    active: act.state === 'active' || act.state === 'suspended',
    ...(act.openCount !== undefined ? { openCount: act.openCount } : {}),
    ...(act.path ? { path: act.path } : {}),
    ...(link ? { origin: link.origin } : thinSegOf(lv)?.origin !== undefined ? { origin: thinSegOf(lv)!.origin! } : {}),
    snapshots: [...snapshotsOfOrigin(vg, lv.name).map((l) => l.cow), ...vg.lvs.filter((l) => thinSegOf(l)?.origin === lv.name).map((l) => l.name)],
    ...(act.dataPercent !== undefined ? { dataPercent: act.dataPercent } : {}),
    ...(act.metadataPercent !== undefined ? { metadataPercent: act.metadataPercent } : {}),
    ...(thinSegOf(lv) ? { pool: thinSegOf(lv)!.thinPool } : {}),
    ...(act.health ? { health: act.health } : {}),
    tags: [...lv.tags],
    segments: lv.segments.map((s) => ({
      type: s.type,
      startExtent: s.startExtent,
      extentCount: s.extentCount,
      ...(s.kind === 'striped' && s.stripeSize ? { stripeSize: s.stripeSize * SECTOR } : {}),
      areas: segAreas(s).map((a) => (a.kind === 'pv' ? { pv: o.vgo.pvDevice.get(a.pvId) ?? '[unknown]', start: a.pe } : { lv: a.lv, start: a.le })),
    })),
  };
}

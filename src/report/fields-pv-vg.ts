// Values of the PV (LABEL, PVS) and VG fields.
import { formatId } from '../formats/uuid.ts';
import { areaExtents, segAreas } from '../model/types.ts';
import type { PvObject, VgObject } from './objects.ts';
import { pvAttr, pvIsUsed, vgAttr, vgIsShared } from './attrs.ts';
import { DUMMY_VG_FIELDS } from './fields-dummy-vg.ts';
import { extentsOf, snapshotCount, visibleLvCount } from './lv-info.ts';
import { EMPTY, bin, num, size, str, strList } from './values.ts';
import type { Env, FieldValue } from './values.ts';
import type { RowCtx } from './fields.ts';

/** Extents of this PV used by LVs. */
export function pvAllocatedExtents(pvo: PvObject): number {
  const pv = pvo.pv;
  const vg = pvo.vg;
  if (!pv || !vg) return 0;
  let n = 0;
  for (const lv of vg.lvs) {
    for (const s of lv.segments) {
      for (const a of segAreas(s)) if (a.kind === 'pv' && a.pvId === pv.id) n += areaExtents(s);
    }
  }
  return n;
}

/** pv_size: PE count × extent size in a VG, the device size for an orphan, 0 for a non-PV. */
export function pvSizeSectors(pvo: PvObject): number {
  if (!pvo.isPv) return 0;
  if (pvo.pv && pvo.vg) return pvo.pv.peCount * pvo.vg.extentSize;
  return pvo.devSize;
}

export function pvFreeSectors(pvo: PvObject): number {
  if (!pvo.isPv) return 0;
  // An orphan still marked used is not free space (_pvfree_disp).
  if (!pvo.vg && pvIsUsed(pvo)) return 0;
  if (pvo.pv && pvo.vg) return (pvo.pv.peCount - pvAllocatedExtents(pvo)) * pvo.vg.extentSize;
  return pvo.devSize;
}

function bytesToSectors(b: number): number {
  return b / 512;
}

type PvFn = (pvo: PvObject, env: Env) => FieldValue;

const PV: Record<string, PvFn> = {
  pv_fmt: (p) => str(p.isPv ? 'lvm2' : ''),
  pv_uuid: (p) => str(p.pvId ? formatId(p.pvId) : ''),
  dev_size: (p, e) => size(e, p.devSize),
  pv_name: (p) => str(p.name),
  pv_major: (p) => str(p.devNumber?.split(':')[0] ?? ''),
  pv_minor: (p) => str(p.devNumber?.split(':')[1] ?? ''),
  pv_mda_free: (p, e) => size(e, p.mdas.length ? bytesToSectors(Math.min(...p.mdas.map((m) => m.free))) : 0),
  pv_mda_size: (p, e) => size(e, p.mdas.length ? bytesToSectors(Math.min(...p.mdas.map((m) => m.size))) : 0),
  pv_ext_vsn: (p) => num(p.isPv ? p.extVersion : -1),
  pe_start: (p, e) => size(e, p.isPv ? p.peStart : 0),
  pv_size: (p, e) => size(e, pvSizeSectors(p)),
  pv_free: (p, e) => size(e, pvFreeSectors(p)),
  pv_used: (p, e) => size(e, p.vg ? pvAllocatedExtents(p) * p.vg.extentSize : 0),
  pv_attr: (p) => str(pvAttr(p)),
  pv_allocatable: (p, e) => bin(e, p.pv !== undefined && p.vg !== undefined && p.pv.status.includes('ALLOCATABLE'), 'allocatable'),
  pv_exported: (p, e) => bin(e, p.vg !== undefined && p.vg.status.includes('EXPORTED'), 'exported'),
  pv_missing: (p, e) => bin(e, p.missing, 'missing'),
  pv_pe_count: (p) => num(p.pv && p.vg ? p.pv.peCount : 0),
  pv_pe_alloc_count: (p) => num(pvAllocatedExtents(p)),
  pv_tags: (p) => strList(p.pv?.tags ?? [], true),
  pv_mda_count: (p) => num(p.mdas.length),
  pv_mda_used_count: (p) => num(p.mdas.filter((m) => !m.ignored).length),
  pv_ba_start: (p, e) => size(e, p.pv?.baStart ?? 0),
  pv_ba_size: (p, e) => size(e, p.pv?.baSize ?? 0),
  pv_in_use: (p, e) => bin(e, pvIsUsed(p), 'used'),
  pv_duplicate: (p, e) => bin(e, false, 'duplicate'),
  pv_device_id: (p) => str(p.pv?.deviceId ?? ''),
  pv_device_id_type: (p) => str(p.pv?.deviceIdType ?? ''),
};

export function vgSizeSectors(vgo: VgObject): number {
  let n = 0;
  for (const pv of vgo.vg.pvs) n += pv.peCount;
  return n * vgo.vg.extentSize;
}

export function vgExtentCount(vgo: VgObject): number {
  let n = 0;
  for (const pv of vgo.vg.pvs) n += pv.peCount;
  return n;
}

export function vgFreeCount(vgo: VgObject): number {
  let used = 0;
  for (const lv of vgo.vg.lvs) {
    for (const s of lv.segments) for (const a of segAreas(s)) if (a.kind === 'pv') used += areaExtents(s);
  }
  return vgExtentCount(vgo) - used;
}

type VgFn = (vgo: VgObject, env: Env) => FieldValue;

const VG: Record<string, VgFn> = {
  vg_fmt: () => str('lvm2'),
  vg_uuid: (v) => str(formatId(v.vg.id)),
  vg_name: (v) => str(v.vg.name),
  vg_attr: (v) => str(vgAttr(v)),
  vg_permissions: (v) => str(v.vg.status.includes('WRITE') ? 'writeable' : 'read-only'),
  vg_extendable: (v, e) => bin(e, v.vg.status.includes('RESIZEABLE'), 'extendable'),
  vg_exported: (v, e) => bin(e, v.vg.status.includes('EXPORTED'), 'exported'),
  vg_autoactivation: (v, e) => bin(e, !v.vg.status.includes('NOAUTOACTIVATE') && !v.vg.flags.includes('NOAUTOACTIVATE'), 'enabled'),
  vg_partial: (v, e) => bin(e, v.missingPvIds.size > 0, 'partial'),
  vg_allocation_policy: (v) => str(v.vg.allocationPolicy ?? 'normal'),
  vg_clustered: (v, e) => bin(e, v.vg.status.includes('CLUSTERED'), 'clustered'),
  vg_shared: (v, e) => bin(e, vgIsShared(v.vg), 'shared'),
  vg_size: (v, e) => size(e, vgSizeSectors(v)),
  vg_free: (v, e) => size(e, vgFreeCount(v) * v.vg.extentSize),
  vg_sysid: (v) => str(v.vg.systemId ?? ''),
  vg_systemid: (v) => str(v.vg.systemId ?? ''),
  vg_lock_type: (v) => str(v.vg.lockType ?? ''),
  vg_lock_args: (v) => str(v.vg.lockArgs ?? ''),
  vg_extent_size: (v, e) => size(e, v.vg.extentSize),
  vg_extent_count: (v) => num(vgExtentCount(v)),
  vg_free_count: (v) => num(vgFreeCount(v)),
  max_lv: (v) => num(v.vg.maxLv),
  max_pv: (v) => num(v.vg.maxPv),
  pv_count: (v) => num(v.vg.pvs.length),
  vg_missing_pv_count: (v) => num(v.missingPvIds.size),
  lv_count: (v) => num(visibleLvCount(v.vg)),
  snap_count: (v) => num(snapshotCount(v.vg)),
  vg_seqno: (v) => num(v.vg.seqno),
  vg_tags: (v) => strList(v.vg.tags, true),
  vg_profile: (v) => str(v.vg.profile ?? ''),
  vg_mda_count: (v) => num(v.mdaCount),
  vg_mda_used_count: (v) => num(v.mdaUsedCount),
  vg_mda_free: (v, e) => size(e, bytesToSectors(v.mdaFree)),
  vg_mda_size: (v, e) => size(e, bytesToSectors(v.mdaSize)),
  vg_mda_copies: (v) => (v.vg.metadataCopies ? num(v.vg.metadataCopies) : { text: 'unmanaged', sort: 0 }),
};

function wrapPv(fn: PvFn): (row: RowCtx, env: Env) => FieldValue {
  return (row, env) => (row.pvo ? fn(row.pvo, env) : EMPTY);
}

/** VG columns of a PV row outside any VG come from lvm2's dummy VG (fields-dummy-vg.ts). */
function wrapVg(id: string, fn: VgFn): (row: RowCtx, env: Env) => FieldValue {
  const dummy = DUMMY_VG_FIELDS[id];
  return (row, env) => (row.vgo ? fn(row.vgo, env) : row.pvo && dummy ? dummy(row, env) : EMPTY);
}

export const PV_FIELDS = Object.fromEntries(Object.entries(PV).map(([k, f]) => [k, wrapPv(f)]));
export const VG_FIELDS = Object.fromEntries(Object.entries(VG).map(([k, f]) => [k, wrapVg(k, f)]));

/** Used by display code that wants LV extents of a VG. */
export { extentsOf };

// The limits a VG carries in its metadata (max_lv, max_pv, the RESIZEABLE flag) and lvm2's
// checks of them: a VG made with `vgcreate -l 2` takes two LVs, no more.
import { lvIsVisible, type VolumeGroup } from './types.ts';

/** lvm2's vg_visible_lvs: the LVs users see (a snapshot counts once, its internal LV not). */
export function visibleLvCount(vg: VolumeGroup): number {
  return vg.lvs.filter((lv) => lvIsVisible(vg, lv)).length;
}

export function isResizeable(vg: VolumeGroup): boolean {
  return vg.status.includes('RESIZEABLE');
}

/** lvm2's _vg_check_features: a new LV needs room under max_lv (0 = no limit). */
export function maxLvProblem(vg: VolumeGroup): string | undefined {
  if (vg.maxLv && vg.maxLv <= visibleLvCount(vg)) return `Maximum number of logical volumes (${vg.maxLv}) reached in volume group ${vg.name}`;
  return undefined;
}

/** lvm2's vg_set_max_lv (lvm2 format: 0 means no limit). */
export function setMaxLvProblem(vg: VolumeGroup, maxLv: number): string | undefined {
  if (!isResizeable(vg)) return `Volume group "${vg.name}" must be resizeable to change MaxLogicalVolume`;
  const n = visibleLvCount(vg);
  if (maxLv && maxLv < n) return `MaxLogicalVolume is less than the current number ${n} of LVs for ${vg.name}`;
  return undefined;
}

/** lvm2's vg_set_max_pv. */
export function setMaxPvProblem(vg: VolumeGroup, maxPv: number): string | undefined {
  if (!isResizeable(vg)) return `Volume group "${vg.name}" must be resizeable to change MaxPhysicalVolumes`;
  if (maxPv && maxPv < vg.pvs.length) return `MaxPhysicalVolumes is less than the current number ${vg.pvs.length} of PVs for "${vg.name}"`;
  return undefined;
}

/** lvm2's add_pv_to_vg: one more PV (after `adding` others joining with it) must fit under max_pv. */
export function maxPvProblem(vg: VolumeGroup, pvName: string, adding = 0): string[] | undefined {
  if (vg.maxPv && vg.pvs.length + adding >= vg.maxPv) return [`No space for '${pvName}' - volume group '${vg.name}' holds max ${vg.maxPv} physical volume(s).`, `PV ${pvName} cannot be added to VG ${vg.name}.`];
  return undefined;
}

export const notResizeable = (vg: VolumeGroup): string => `Volume group ${vg.name} is not resizeable.`;

// The attribute strings pv_attr (3 chars), vg_attr (6) and lv_attr (10); see lvm2-cli.md §7.
import { segAreas } from '../model/types.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import type { LvActivation, LvObject, PvObject, VgObject } from './objects.ts';
import { PV_EXT_USED } from '../formats/label.ts';
import {
  hasFlag,
  isCow,
  isMergingCow,
  isMergingOrigin,
  isExternalOrigin,
  isOrigin,
  isPmSpare,
  isThinPool,
  isThinPoolData,
  isThinPoolMetadata,
  isThinVolume,
  thinZero,
} from './lv-info.ts';

const ALLOC_CHAR: Record<string, string> = {
  inherit: 'i',
  normal: 'n',
  contiguous: 'c',
  cling: 'l',
  cling_by_tags: 't',
  anywhere: 'a',
};

export function allocChar(policy: string | undefined, dflt: string): string {
  return ALLOC_CHAR[policy ?? dflt] ?? ALLOC_CHAR[dflt]!;
}

/**
 * lvm2's is_used_pv: a PV of a VG, or an orphan whose header still carries PV_EXT_USED (its VG's
 * metadata is damaged or on PVs that are not here), which must not pass for a free PV.
 */
export function pvIsUsed(pvo: PvObject): boolean {
  if (!pvo.isPv) return false;
  if (pvo.vg) return true;
  return ((pvo.extFlags ?? 0) & PV_EXT_USED) !== 0;
}

export function pvAttr(pvo: PvObject): string {
  const pv = pvo.pv;
  // An allocatable PV is always used, so 'a' wins over 'u'.
  const a = pvo.duplicate ? 'd' : pv && pvo.vg && pv.status.includes('ALLOCATABLE') ? 'a' : pvIsUsed(pvo) ? 'u' : '-';
  const x = pvo.vg && pvo.vg.status.includes('EXPORTED') ? 'x' : '-';
  const m = pvo.missing || (pv !== undefined && (pv.status.includes('MISSING') || pv.flags.includes('MISSING'))) ? 'm' : '-';
  return a + x + m;
}

export function vgIsShared(vg: VolumeGroup): boolean {
  return vg.lockType !== undefined && vg.lockType !== 'none';
}

export function vgAttr(vgo: VgObject): string {
  const vg = vgo.vg;
  const perm = vg.status.includes('WRITE') ? 'w' : 'r';
  const resize = vg.status.includes('RESIZEABLE') ? 'z' : '-';
  const exported = vg.status.includes('EXPORTED') ? 'x' : '-';
  const partial = vgo.missingPvIds.size > 0 ? 'p' : '-';
  const alloc = allocChar(vg.allocationPolicy, 'normal');
  const cluster = vg.status.includes('CLUSTERED') ? 'c' : vgIsShared(vg) ? 's' : '-';
  return perm + resize + exported + partial + alloc + cluster;
}

function volumeTypeChar(vg: VolumeGroup, lv: LogicalVolume): string {
  if (hasFlag(lv, 'PVMOVE')) return 'p';
  if (isOrigin(vg, lv) || isExternalOrigin(vg, lv)) return isMergingOrigin(vg, lv) ? 'O' : 'o';
  if (isThinPoolMetadata(vg, lv) || isPmSpare(lv)) return 'e';
  if (isThinVolume(lv)) return 'V';
  if (isThinPool(lv)) return 't';
  if (isThinPoolData(vg, lv)) return 'T';
  if (isCow(vg, lv)) return isMergingCow(vg, lv) ? 'S' : 's';
  if (isVirtualSegLv(lv)) return 'v';
  return '-';
}

/** lv_is_virtual for the types ulvm maps: an LV of zero or error segments has no extents on PVs. */
function isVirtualSegLv(lv: LogicalVolume): boolean {
  return lv.status.includes('VIRTUAL') || (lv.segments.length > 0 && lv.segments.every((s) => s.kind === 'zero' || s.kind === 'error'));
}

/** True when lvm could ask the kernel (not `--driverloaded n`). */
export function activationKnown(act: LvActivation): boolean {
  return act.state !== 'unknown';
}

export function lvIsActive(act: LvActivation): boolean {
  return act.state === 'active' || act.state === 'suspended';
}

export function lvAttr(lvo: LvObject): string {
  const vg = lvo.vgo.vg;
  const lv = lvo.lv;
  const act = lvo.activation;
  const c: string[] = [];
  c[0] = volumeTypeChar(vg, lv);
  c[1] = hasFlag(lv, 'PVMOVE') ? '-' : lv.status.includes('WRITE') ? 'w' : lv.status.includes('READ') ? 'r' : '-';
  const alloc = allocChar(lv.allocationPolicy, 'inherit');
  c[2] = hasFlag(lv, 'LOCKED') ? alloc.toUpperCase() : alloc;
  c[3] = hasFlag(lv, 'FIXED_MINOR') ? 'm' : '-';
  if (!activationKnown(act)) {
    c[4] = 'X';
    c[5] = 'X';
  } else if (lvIsActive(act)) {
    c[4] = act.state === 'suspended' ? 's' : 'a';
    if (act.invalid && isCow(vg, lv)) c[4] = act.state === 'suspended' ? 'S' : 'I';
    if (c[1] !== 'r' && act.readOnly) c[1] = 'R';
    c[5] = (act.poolOpenCount ?? act.openCount ?? 0) > 0 ? 'o' : '-';
  } else {
    c[4] = '-';
    c[5] = '-';
  }
  if (isThinPool(lv) || isThinVolume(lv)) c[6] = 't';
  else if (isCow(vg, lv) || isOrigin(vg, lv)) c[6] = 's';
  else if (isVirtualSegLv(lv)) c[6] = 'v';
  else c[6] = '-';
  c[7] = thinZero(vg, lv) === true ? 'z' : '-';
  c[8] = healthChar(lvo);
  c[9] = hasFlag(lv, 'ACTIVATION_SKIP') ? 'k' : '-';
  return c.join('');
}

function healthChar(lvo: LvObject): string {
  if (lvo.lv.segments.some((s) => segAreas(s).some((a) => a.kind === 'pv' && lvo.vgo.missingPvIds.has(a.pvId)))) {
    return 'p';
  }
  const h = lvo.activation.health;
  if (h === 'failed') return 'F';
  if (h === 'out_of_data') return 'D';
  if (h === 'metadata_read_only') return 'M';
  return '-';
}

// Values of the LV fields (lvm types LVS, LVSINFO, LVSSTATUS, LVSINFOSTATUS).
import { formatId } from '../formats/uuid.ts';
import type { LogicalVolume } from '../model/types.ts';
import { segAreas } from '../model/types.ts';
import type { LvObject } from './objects.ts';
import { activationKnown, lvAttr, lvIsActive } from './attrs.ts';
import {
  extentsOf,
  hasFlag,
  isCow,
  isExternalOrigin,
  isLvVisibleForReport,
  isMergingCow,
  isMergingOrigin,
  isOrigin,
  isPmSpare,
  isThinOrigin,
  isThinPool,
  isThinPoolData,
  isThinPoolMetadata,
  isThinVolume,
  lvByName,
  lvDisplayName,
  originLv,
  originOfCow,
  thinOriginOf,
  thinPoolOf,
  thinPoolSeg,
  thinSeg,
} from './lv-info.ts';
import { EMPTY, bin, num, pct, size, str, strList } from './values.ts';
import type { Env, FieldValue } from './values.ts';
import type { RowCtx } from './fields.ts';

type LvFn = (lvo: LvObject, env: Env) => FieldValue;

/** lvm's dm name: VG and LV joined by '-', every '-' inside them doubled. */
export function dmName(vgName: string, lvName: string): string {
  return `${vgName.replace(/-/g, '--')}-${lvName.replace(/-/g, '--')}`;
}

function nameValue(lvo: LvObject, lv: LogicalVolume): FieldValue {
  return { text: lvDisplayName(lvo.vgo.vg, lv), sort: lv.name };
}

function related(lvo: LvObject, lv: LogicalVolume | undefined, uuid: boolean): FieldValue {
  if (!lv) return EMPTY;
  return uuid ? str(formatId(lv.id)) : nameValue(lvo, lv);
}

function lvSizeSectors(lvo: LvObject, lv: LogicalVolume = lvo.lv): number {
  return extentsOf(lv) * lvo.vgo.vg.extentSize;
}

function poolSegLv(lvo: LvObject, key: 'pool' | 'metadata'): LogicalVolume | undefined {
  const seg = thinPoolSeg(lvo.lv);
  return seg ? lvByName(lvo.vgo.vg, seg[key]) : undefined;
}

export function lvLayout(lvo: LvObject): string[] {
  const lv = lvo.lv;
  if (isThinPool(lv)) return ['thin', 'pool'];
  if (isThinVolume(lv)) return ['thin', 'sparse'];
  const striped = lv.segments.some((s) => segAreas(s).length > 1);
  return [striped ? 'striped' : 'linear'];
}

export function lvRole(lvo: LvObject): string[] {
  const vg = lvo.vgo.vg;
  const lv = lvo.lv;
  if (isThinPoolData(vg, lv)) return ['private', 'thin', 'pool', 'data'];
  if (isThinPoolMetadata(vg, lv)) return ['private', 'thin', 'pool', 'metadata'];
  if (isPmSpare(lv)) return ['private', 'pool', 'spare'];
  if (isThinPool(lv)) return ['private'];
  const roles = [isLvVisibleForReport(vg, lv) ? 'public' : 'private'];
  if (isOrigin(vg, lv)) roles.push('origin', 'thickorigin');
  if (isThinOrigin(vg, lv)) roles.push('origin', 'thinorigin');
  if (isCow(vg, lv)) roles.push('snapshot', 'thicksnapshot');
  if (isThinVolume(lv) && thinOriginOf(vg, lv)) roles.push('snapshot', 'thinsnapshot');
  return roles;
}

function ancestors(lvo: LvObject): string[] {
  const out: string[] = [];
  let cur: LogicalVolume | undefined = originLv(lvo.vgo.vg, lvo.lv);
  while (cur && !out.includes(cur.name)) {
    out.push(cur.name);
    cur = originLv(lvo.vgo.vg, cur);
  }
  return out;
}

function descendants(lvo: LvObject): string[] {
  const vg = lvo.vgo.vg;
  const out: string[] = [];
  const walk = (lv: LogicalVolume): void => {
    for (const l of vg.lvs) {
      if (originLv(vg, l) === lv && !out.includes(l.name)) {
        out.push(l.name);
        walk(l);
      }
    }
  };
  walk(lvo.lv);
  return out;
}

/** lvm2's lv_time: local time with the zone offset. */
export function timeString(t: number | undefined): string {
  if (t === undefined) return '';
  const d = new Date(t * 1000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${sign}${p(Math.floor(a / 60))}${p(a % 60)}`
  );
}

function permissions(lvo: LvObject): string {
  const lv = lvo.lv;
  if (hasFlag(lv, 'PVMOVE')) return '';
  if (lv.status.includes('WRITE')) {
    if (!lvIsActive(lvo.activation)) return 'unknown';
    return lvo.activation.readOnly || lvo.activation.poolReadOnlyLayer ? 'read-only-override' : 'writeable';
  }
  return lv.status.includes('READ') ? 'read-only' : 'unknown';
}

function infoBin(lvo: LvObject, env: Env, v: boolean, word: string): FieldValue {
  return bin(env, lvIsActive(lvo.activation) ? v : undefined, word);
}

function activeBin(lvo: LvObject, env: Env, word: string, remote = false): FieldValue {
  if (!activationKnown(lvo.activation)) return bin(env, undefined, word);
  return bin(env, remote ? false : lvIsActive(lvo.activation), word);
}

function dataPercent(lvo: LvObject): number | undefined {
  const a = lvo.activation;
  if (!lvIsActive(a)) return undefined;
  const vg = lvo.vgo.vg;
  if (isCow(vg, lvo.lv)) return a.invalid ? 100 : a.dataPercent;
  if (isThinPool(lvo.lv) || isThinVolume(lvo.lv)) return a.dataPercent;
  return undefined;
}

function healthStatus(lvo: LvObject): string {
  const h = lvo.activation.health;
  if (h === undefined) return '';
  if (h === 'metadata_read_only') return 'metadata_read_only';
  return h;
}

const LV: Record<string, LvFn> = {
  lv_uuid: (o) => str(formatId(o.lv.id)),
  lv_name: (o) => nameValue(o, o.lv),
  lv_full_name: (o) => str(`${o.vgo.vg.name}/${o.lv.name}`),
  lv_path: (o) =>
    str(isLvVisibleForReport(o.vgo.vg, o.lv) && !isThinPool(o.lv) ? (o.activation.path ?? `/dev/${o.vgo.vg.name}/${o.lv.name}`) : ''),
  lv_dm_path: (o) => str(o.activation.dmPath ?? `/dev/mapper/${dmName(o.vgo.vg.name, o.lv.name)}`),
  lv_parent: (o) => {
    const vg = o.vgo.vg;
    const parent = vg.lvs.find(
      (l) => {
        const s = thinPoolSeg(l);
        return s !== undefined && (s.pool === o.lv.name || s.metadata === o.lv.name);
      },
    );
    return parent ? nameValue(o, parent) : EMPTY;
  },
  lv_layout: (o) => strList(lvLayout(o), false),
  lv_role: (o) => strList(lvRole(o), false),
  lv_initial_image_sync: (o, e) => bin(e, false, 'initial image sync'),
  lv_image_synced: (o, e) => bin(e, false, 'image synced'),
  lv_merging: (o, e) => {
    const { vg } = o.vgo;
    const merging = isOrigin(vg, o.lv) || isExternalOrigin(vg, o.lv) ? isMergingOrigin(vg, o.lv) : isCow(vg, o.lv) ? isMergingCow(vg, o.lv) : false;
    return bin(e, merging, 'merging');
  },
  lv_converting: (o, e) => bin(e, false, 'converting'),
  lv_allocation_policy: (o) => str(o.lv.allocationPolicy ?? 'inherit'),
  lv_allocation_locked: (o, e) => bin(e, hasFlag(o.lv, 'LOCKED'), 'allocation locked'),
  lv_fixed_minor: (o, e) => bin(e, hasFlag(o.lv, 'FIXED_MINOR'), 'fixed minor'),
  lv_skip_activation: (o, e) => bin(e, hasFlag(o.lv, 'ACTIVATION_SKIP'), 'skip activation'),
  lv_autoactivation: (o, e) => bin(e, !hasFlag(o.lv, 'NOAUTOACTIVATE'), 'enabled'),
  lv_when_full: (o) => str(isThinPool(o.lv) ? (hasFlag(o.lv, 'ERROR_WHEN_FULL') ? 'error' : 'queue') : ''),
  lv_active: (o) => str(!activationKnown(o.activation) ? 'unknown' : lvIsActive(o.activation) ? 'active' : ''),
  lv_active_locally: (o, e) => activeBin(o, e, 'active locally'),
  lv_active_remotely: (o, e) => activeBin(o, e, 'active remotely', true),
  lv_active_exclusively: (o, e) => activeBin(o, e, 'active exclusively'),
  lv_major: (o) => num(o.lv.major ?? -1),
  lv_minor: (o) => num(o.lv.minor ?? -1),
  lv_read_ahead: (o, e) =>
    o.lv.readAhead === undefined ? { text: 'auto', sort: Number.MAX_SAFE_INTEGER } : size(e, Math.max(o.lv.readAhead, 0)),
  lv_size: (o, e) => size(e, lvSizeSectors(o)),
  lv_metadata_size: (o, e) => {
    const meta = poolSegLv(o, 'metadata');
    return meta ? size(e, lvSizeSectors(o, meta)) : EMPTY;
  },
  seg_count: (o) => num(o.lv.segments.length),
  origin: (o) => related(o, originLv(o.vgo.vg, o.lv), false),
  origin_uuid: (o) => related(o, originLv(o.vgo.vg, o.lv), true),
  origin_size: (o, e) => {
    const vg = o.vgo.vg;
    const cowOrigin = originOfCow(vg, o.lv);
    if (cowOrigin) return size(e, lvSizeSectors(o, cowOrigin));
    const ext = thinSeg(o.lv)?.externalOrigin;
    const extLv = ext !== undefined ? lvByName(vg, ext) : undefined;
    if (extLv) return size(e, lvSizeSectors(o, extLv));
    if (isOrigin(vg, o.lv)) return size(e, lvSizeSectors(o));
    return { text: '', sort: 0 };
  },
  lv_ancestors: (o) => strList(ancestors(o), false),
  lv_full_ancestors: (o) => strList(ancestors(o), false),
  lv_descendants: (o) => strList(descendants(o), false),
  lv_full_descendants: (o) => strList(descendants(o), false),
  data_lv: (o) => related(o, poolSegLv(o, 'pool'), false),
  data_lv_uuid: (o) => related(o, poolSegLv(o, 'pool'), true),
  metadata_lv: (o) => related(o, poolSegLv(o, 'metadata'), false),
  metadata_lv_uuid: (o) => related(o, poolSegLv(o, 'metadata'), true),
  pool_lv: (o) => related(o, thinPoolOf(o.vgo.vg, o.lv), false),
  pool_lv_uuid: (o) => related(o, thinPoolOf(o.vgo.vg, o.lv), true),
  lv_tags: (o) => strList(o.lv.tags, true),
  lv_profile: (o) => str(o.lv.profile ?? ''),
  lv_lockargs: (o) => str(o.lv.lockArgs ?? ''),
  lv_time: (o) => ({ text: timeString(o.lv.creationTime), sort: o.lv.creationTime ?? 0 }),
  lv_time_removed: () => ({ text: '', sort: 0 }),
  lv_host: (o) => str(o.lv.creationHost ?? ''),
  lv_modules: (o) => {
    const vg = o.vgo.vg;
    const mods: string[] = [];
    if (isThinPool(o.lv)) mods.push('thin-pool');
    if (isThinVolume(o.lv)) mods.push('thin', 'thin-pool');
    if (isCow(vg, o.lv) || isOrigin(vg, o.lv)) mods.push('snapshot');
    if (isExternalOrigin(vg, o.lv)) mods.push('thin-pool');
    return strList(mods, true);
  },
  lv_historical: (o, e) => bin(e, false, 'historical'),
  // LVSINFO
  lv_kernel_major: (o) => num(lvIsActive(o.activation) ? (o.activation.major ?? -1) : -1),
  lv_kernel_minor: (o) => num(lvIsActive(o.activation) ? (o.activation.minor ?? -1) : -1),
  lv_kernel_read_ahead: (o, e) =>
    lvIsActive(o.activation) && o.activation.readAheadSectors !== undefined
      ? size(e, o.activation.readAheadSectors)
      : num(-1),
  lv_permissions: (o) => str(permissions(o)),
  lv_suspended: (o, e) => infoBin(o, e, o.activation.state === 'suspended', 'suspended'),
  lv_live_table: (o, e) => infoBin(o, e, true, 'live table present'),
  lv_inactive_table: (o, e) => infoBin(o, e, false, 'inactive table present'),
  lv_device_open: (o, e) => infoBin(o, e, (o.activation.openCount ?? 0) > 0, 'open'),
  // LVSSTATUS
  data_percent: (o) => pct(dataPercent(o)),
  snap_percent: (o) => pct(isCow(o.vgo.vg, o.lv) ? dataPercent(o) : undefined),
  metadata_percent: (o) => pct(lvIsActive(o.activation) && isThinPool(o.lv) ? o.activation.metadataPercent : undefined),
  copy_percent: () => pct(undefined),
  sync_percent: () => pct(undefined),
  lv_health_status: (o) => str(healthStatus(o)),
  // From the pool's live status (the discards field is the VG metadata's).
  kernel_discards: (o) => str(lvIsActive(o.activation) ? o.activation.kernelDiscards ?? '' : ''),
  lv_check_needed: (o, e) => bin(e, isThinPool(o.lv) && lvIsActive(o.activation) ? false : undefined, 'check needed'),
  lv_merge_failed: (o, e) => bin(e, isCow(o.vgo.vg, o.lv) && lvIsActive(o.activation) ? false : undefined, 'merge failed'),
  lv_snapshot_invalid: (o, e) =>
    bin(e, isCow(o.vgo.vg, o.lv) && lvIsActive(o.activation) ? o.activation.invalid === true : undefined, 'snapshot invalid'),
  // LVSINFOSTATUS
  lv_attr: (o) => str(lvAttr(o)),
};

export const LV_FIELDS: Record<string, (row: RowCtx, env: Env) => FieldValue> = Object.fromEntries(
  Object.entries(LV).map(([id, fn]) => [id, (row: RowCtx, env: Env) => (row.lvo ? fn(row.lvo, env) : EMPTY)]),
);

// Values of the LV segment fields (lvm type SEGS).
import { poolSegOf } from '../model/thin.ts';
import { areaExtents, segAreas, segType } from '../model/types.ts';
import type { Area, Segment } from '../model/types.ts';
import type { LvObject } from './objects.ts';
import { chunkSize, isLvVisibleForReport, isThinPool, isThinVolume, lvByName, thinPoolOf, thinZero } from './lv-info.ts';
import { EMPTY, bin, num, size, str, strList } from './values.ts';
import type { Env, FieldValue } from './values.ts';
import type { RowCtx } from './fields.ts';

/** Segment type as lvs prints it: a one-stripe "striped" segment is "linear". */
export function segTypeName(seg: Segment): string {
  if (seg.kind === 'striped' && seg.areas.length === 1) return 'linear';
  return segType(seg);
}

/** Thin pools keep their data LV as their only area. */
function areasOf(lvo: LvObject, seg: Segment): Area[] {
  if (seg.kind === 'thin-pool') return [{ kind: 'lv', lv: seg.pool, le: 0 }];
  return segAreas(seg);
}

interface AreaText {
  name: string;
  hidden: boolean;
  start: number;
  len: number;
}

function areaTexts(lvo: LvObject, seg: Segment): AreaText[] {
  const vg = lvo.vgo.vg;
  return areasOf(lvo, seg).map((a) => {
    if (a.kind === 'pv') {
      return { name: lvo.vgo.pvDevice.get(a.pvId) ?? '[unknown]', hidden: false, start: a.pe, len: areaExtents(seg) };
    }
    const sub = lvByName(vg, a.lv);
    let len = 0;
    for (const s of sub?.segments ?? []) len += s.extentCount;
    return { name: a.lv, hidden: sub ? !isLvVisibleForReport(vg, sub) : false, start: 0, len };
  });
}

function ranges(lvo: LvObject, seg: Segment, markHidden: boolean): string[] {
  return areaTexts(lvo, seg).map((a) => {
    const n = markHidden && a.hidden ? `[${a.name}]` : a.name;
    return `${n}:${a.start}-${a.start + a.len - 1}`;
  });
}

function stripeCount(lvo: LvObject, seg: Segment): number {
  return areasOf(lvo, seg).length;
}

type SegFn = (lvo: LvObject, seg: Segment, env: Env) => FieldValue;

const SEG: Record<string, SegFn> = {
  segtype: (_o, s) => str(segTypeName(s)),
  // lvm2 keeps one data copy on every segment but raid's and mirrors' (not mapped by ulvm).
  data_copies: () => num(1),
  // The VDO switches of a segment that is no VDO pool are blank, not "unknown".
  vdo_compression: () => EMPTY,
  vdo_deduplication: () => EMPTY,
  vdo_use_metadata_hints: () => EMPTY,
  vdo_use_sparse_index: () => EMPTY,
  stripes: (o, s) => num(stripeCount(o, s)),
  data_stripes: (o, s) => num(stripeCount(o, s)),
  stripe_size: (_o, s, e) => size(e, s.kind === 'striped' ? (s.stripeSize ?? 0) : 0),
  region_size: (_o, _s, e) => size(e, 0),
  chunk_size: (o, s, e) => size(e, chunkSize(o.vgo.vg, o.lv, s)),
  thin_count: (o) =>
    isThinPool(o.lv) ? num(o.vgo.vg.lvs.filter((l) => thinPoolOf(o.vgo.vg, l) === o.lv).length) : EMPTY,
  // A thin LV shows its pool's.
  discards: (o, s) => str(s.kind === 'thin-pool' ? s.discards : s.kind === 'thin' ? poolSegOf(o.vgo.vg.lvs.find((l) => l.name === s.thinPool))?.discards ?? '' : ''),
  zero: (o, _s, e) => bin(e, thinZero(o.vgo.vg, o.lv), 'zero'),
  transaction_id: (o, s) => {
    const t = (isThinPool(o.lv) || isThinVolume(o.lv)) && (s.kind === 'thin-pool' || s.kind === 'thin') ? s.transactionId : undefined;
    return t !== undefined ? num(t) : EMPTY;
  },
  thin_id: (o, s) => {
    const t = isThinVolume(o.lv) && s.kind === 'thin' ? s.deviceId : undefined;
    return t !== undefined ? num(t) : EMPTY;
  },
  seg_start: (o, s, e) => size(e, s.startExtent * o.vgo.vg.extentSize),
  seg_start_pe: (_o, s) => num(s.startExtent),
  seg_size: (o, s, e) => size(e, s.extentCount * o.vgo.vg.extentSize),
  seg_size_pe: (_o, s) => num(s.extentCount),
  seg_tags: (_o, s) => strList(s.tags, true),
  seg_pe_ranges: (o, s) => strList(ranges(o, s, false), false, ' '),
  seg_le_ranges: (o, s) => strList(ranges(o, s, true), false),
  devices: (o, s) => strList(areaTexts(o, s).map((a) => `${a.name}(${a.start})`), false),
  seg_monitor: () => EMPTY,
};

export const SEG_FIELDS: Record<string, (row: RowCtx, env: Env) => FieldValue> = Object.fromEntries(
  Object.entries(SEG).map(([k, f]) => [
    k,
    (row: RowCtx, env: Env) => {
      // pvs -o +seg_* reports the segment of the LV owning a PV segment (blank for free space).
      const lvo = row.lvo;
      const seg = row.seg;
      if (lvo && seg) return f(lvo, seg, env);
      // Free PV space is a dummy segment of the free length.
      if (seg && k === 'seg_size_pe') return num(seg.extentCount);
      if (seg && k === 'seg_start_pe') return num(seg.startExtent);
      return EMPTY;
    },
  ]),
);

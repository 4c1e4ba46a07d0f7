// Report field definitions: the static table (field-table.ts) joined with value functions.
// A field whose function is missing prints what lvm prints for a plain linear LV: blank for
// strings/numbers, -1 for the few signed "undefined" numbers, `unknown` for binary fields.
import { FIELD_TABLE } from './field-table.ts';
import type { Kind, ObjType } from './field-table.ts';
import type { Segment } from '../model/types.ts';
import type { LvObject, PvObject, PvSegObject, VgObject } from './objects.ts';
import { EMPTY, bin, num } from './values.ts';
import type { Env, FieldValue } from './values.ts';
import { LV_FIELDS } from './fields-lv.ts';
import { PV_FIELDS, VG_FIELDS } from './fields-pv-vg.ts';
import { SEG_FIELDS } from './fields-seg.ts';

/** One report row: the objects a field may look at. */
export interface RowCtx {
  pvo?: PvObject;
  vgo?: VgObject;
  lvo?: LvObject;
  seg?: Segment;
  pvseg?: PvSegObject;
  /**
   * The report has an orphan PV row: lvm2 then gives its dummy VG the PV's format, which later rows
   * (the plain devices of `pvs -a`, processed after every PV) show as vg_fmt.
   */
  orphanPvSeen?: boolean;
}

export type ValueFn = (row: RowCtx, env: Env) => FieldValue;

export interface FieldDef {
  id: string;
  type: ObjType;
  kind: Kind;
  heading: string;
  /** Minimum column width. */
  width: number;
  desc: string;
  /** Right-aligned (NUM, SIZ) or left-aligned. */
  right: boolean;
  value: ValueFn;
}

const PVSEG_FIELDS: Record<string, ValueFn> = {
  pvseg_start: (r) => num(r.pvseg?.start ?? 0),
  pvseg_size: (r) => num(r.pvseg?.size ?? 0),
};

const ALL_VALUES: Record<string, ValueFn> = { ...LV_FIELDS, ...PV_FIELDS, ...VG_FIELDS, ...SEG_FIELDS, ...PVSEG_FIELDS };

/** Signed fields lvm prints as -1 when not applicable. */
const MINUS_ONE = new Set(['raidintegrityblocksize', 'writecache_block_size']);

function fallback(id: string, kind: Kind): ValueFn {
  if (MINUS_ONE.has(id)) return () => num(-1);
  if (kind === 'BIN') return (_r, env) => bin(env, undefined, '');
  return () => EMPTY;
}

export const FIELDS: readonly FieldDef[] = FIELD_TABLE.map(([id, type, kind, heading, width, desc]) => ({
  id,
  type,
  kind,
  heading,
  width: width || heading.length,
  desc,
  right: kind === 'NUM' || kind === 'BIN' || kind === 'SNUM' || kind === 'SIZ',
  value: ALL_VALUES[id] ?? fallback(id, kind),
}));

/** The implicit fields libdm adds to every report. */
export const SPECIAL_FIELDS: readonly { id: string; desc: string; selectable: boolean }[] = [
  { id: 'selected', desc: 'Set if item passes selection criteria.', selectable: true },
  { id: 'help', desc: 'Show help.', selectable: false },
  { id: '?', desc: 'Show help.', selectable: false },
];

export const SELECTED_FIELD: FieldDef = {
  id: 'selected',
  type: 'LVS',
  kind: 'NUM',
  heading: 'Selected',
  width: 8,
  desc: 'Set if item passes selection criteria.',
  right: true,
  value: () => num(1),
};

/** Section titles of `-o help`, one per object type, with the prefix of its `*_all` line. */
export const TYPE_INFO: Record<ObjType, { desc: string; prefix: string }> = {
  LVS: { desc: 'Logical Volume', prefix: 'lv_' },
  LVSINFO: { desc: 'Logical Volume Device Info', prefix: 'lv_' },
  LVSSTATUS: { desc: 'Logical Volume Device Status', prefix: 'lv_' },
  LVSINFOSTATUS: { desc: 'Logical Volume Device Info and Status Combined', prefix: 'lv_' },
  LABEL: { desc: 'Physical Volume Label', prefix: 'pv_' },
  PVS: { desc: 'Physical Volume', prefix: 'pv_' },
  VGS: { desc: 'Volume Group', prefix: 'vg_' },
  SEGS: { desc: 'Logical Volume Segment', prefix: 'seg_' },
  PVSEGS: { desc: 'Physical Volume Segment', prefix: 'pvseg_' },
};

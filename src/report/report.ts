// The pvs/vgs/lvs report engine: option lists → columns → report type → rows → selection →
// sort → text. Mirrors tools/reporter.c and libdm-report.c of lvm2 2.03.16.
import type { ObjType } from './field-table.ts';
import { SELECTED_FIELD } from './fields.ts';
import type { FieldDef, RowCtx } from './fields.ts';
import { optionsHelp, selectionHelp } from './help.ts';
import { allMatch, fieldsOfTypes, findField } from './lookup.ts';
import { render } from './output.ts';
import type { Column, Layout } from './output.ts';
import { buildRows } from './rows.ts';
import type { ReportInput, RowType } from './rows.ts';
import { SelectionError, evalSelection, parseSelection, selectionFields } from './selection.ts';
import type { SelNode } from './selection.ts';
import { DEFAULT_UNITS, parseUnits } from './units.ts';
import type { Units } from './units.ts';
import type { Env, FieldValue } from './values.ts';

export type { ReportInput } from './rows.ts';
export { displaySize, reportSize, parseUnits } from './units.ts';
export { pvAttr, vgAttr, lvAttr } from './attrs.ts';
export { lvDisplayName, isLvVisibleForReport } from './lv-info.ts';

export type ReportKind = 'pvs' | 'vgs' | 'lvs';

export interface ReportOptions {
  /** Each -o/--options argument as given (repeatable). */
  options?: string[];
  /** Each -O/--sort argument as given. */
  sort?: string[];
  select?: string;
  /** Parsed Units or the raw --units argument. */
  units?: Units | string;
  nosuffix?: boolean;
  noheadings?: boolean;
  separator?: string;
  aligned?: boolean;
  nameprefixes?: boolean;
  unquoted?: boolean;
  rows?: boolean;
  binary?: boolean;
  unbuffered?: boolean;
  reportformat?: 'basic' | 'json';
  segments?: boolean;
  all?: boolean;
  verbose?: boolean;
  /** lvm.conf's report/<type>_cols (or _cols_verbose) and report/<type>_sort, by the report's initial type. */
  configColumns?: (type: string, verbose: boolean) => string | undefined;
  configSort?: (type: string) => string | undefined;
}

export interface ReportOutput {
  stdout: string;
  stderr: string;
  rc: number;
  /** The row type the report settled on (absent when it failed before): LABEL reads no VG. */
  rowType?: RowType;
}

const DEFAULTS: Record<string, { cols: string; verbose: string; sort: string }> = {
  LVS: {
    cols: 'lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv',
    verbose:
      'lv_name,vg_name,seg_count,lv_attr,lv_size,lv_major,lv_minor,lv_kernel_major,lv_kernel_minor,pool_lv,origin,data_percent,metadata_percent,move_pv,copy_percent,mirror_log,convert_lv,lv_uuid,lv_profile',
    sort: 'vg_name,lv_name',
  },
  VGS: {
    cols: 'vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free',
    verbose: 'vg_name,vg_attr,vg_extent_size,pv_count,lv_count,snap_count,vg_size,vg_free,vg_uuid,vg_profile',
    sort: 'vg_name',
  },
  LABEL: {
    cols: 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free',
    verbose: 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,dev_size,pv_uuid',
    sort: 'pv_name',
  },
  SEGS: {
    cols: 'lv_name,vg_name,lv_attr,stripes,segtype,seg_size',
    verbose: 'lv_name,vg_name,lv_attr,seg_start,seg_size,stripes,segtype,stripesize,chunksize',
    sort: 'vg_name,lv_name,seg_start',
  },
  PVSEGS: {
    cols: 'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size',
    verbose:
      'pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,pvseg_start,pvseg_size,lv_name,seg_start_pe,segtype,seg_pe_ranges',
    sort: 'pv_name,pvseg_start',
  },
};

const PREFIX: Record<string, string> = { LVS: 'lv_', VGS: 'vg_', LABEL: 'pv_', SEGS: 'seg_', PVSEGS: 'pvseg_' };
const JSON_NAME: Record<string, string> = { LVS: 'lv', VGS: 'vg', LABEL: 'pv', PVS: 'pv', SEGS: 'seg', PVSEGS: 'pvseg' };

class ReportError extends Error {
  constructor(
    readonly stderr: string,
    readonly rc: number,
  ) {
    super(stderr);
  }
}

function initialType(kind: ReportKind, segments: boolean): ObjType {
  if (kind === 'lvs') return segments ? 'SEGS' : 'LVS';
  if (kind === 'vgs') return 'VGS';
  return segments ? 'PVSEGS' : 'LABEL';
}

function splitList(s: string): string[] {
  return s.split(',').filter((x) => x !== '');
}

/** Apply the -o arguments in order: replace, +append, -remove, #compact. */
function optionList(defaults: string, options: string[], prefix: string): { names: string[]; compact: string[] } {
  let names = splitList(defaults);
  const compact: string[] = [];
  const bare = prefix.slice(0, -1);
  const strip = (s: string): string => (s.startsWith(bare) ? s.slice(bare.length).replace(/^_/, '') : s);
  for (const opt of options) {
    if (opt.startsWith('+')) names = names.concat(splitList(opt.slice(1)));
    else if (opt.startsWith('-')) {
      for (const r of splitList(opt.slice(1))) {
        let idx = names.lastIndexOf(r);
        if (idx < 0) idx = names.map(strip).lastIndexOf(strip(r));
        if (idx >= 0) names.splice(idx, 1);
      }
    } else if (opt.startsWith('#')) compact.push(...splitList(opt.slice(1)));
    else names = splitList(opt);
  }
  return { names, compact };
}

const LV_TYPES: ObjType[] = ['LVS', 'LVSINFO', 'LVSSTATUS', 'LVSINFOSTATUS'];

function finalRowType(types: Set<ObjType>, argsArePvs: boolean, reportName: string): RowType {
  const t = new Set(types);
  if (t.has('SEGS')) t.add('LVS');
  if (t.has('PVSEGS')) t.add('PVS');
  const lvish = LV_TYPES.some((x) => t.has(x));
  const pvish = t.has('PVS') || t.has('LABEL');
  if (lvish && pvish && !argsArePvs) {
    throw new ReportError(`  Can't report LV and PV fields at the same time in report type "${reportName}".\n`, 5);
  }
  if (t.has('PVSEGS') || (pvish && lvish)) return 'PVSEGS';
  if (t.has('PVS') || (t.has('LABEL') && t.has('VGS'))) return 'PVS';
  if (t.has('SEGS')) return 'SEGS';
  if (lvish) return 'LVS';
  if (t.has('VGS')) return 'VGS';
  return 'LABEL';
}

function unknownField(name: string, sortKey: boolean): ReportError {
  return new ReportError(optionsHelp() + `  ${sortKey ? 'dm_report: ' : ''}Unrecognised field: ${name}\n`, 5);
}

interface SortKey {
  col: number;
  desc: boolean;
}

function resolveUnits(u: Units | string | undefined): Units {
  if (u === undefined) return DEFAULT_UNITS;
  if (typeof u !== 'string') return u;
  const parsed = parseUnits(u);
  if (!parsed) throw new ReportError('  Invalid units specification\n', 3);
  return parsed;
}

export function renderReport(kind: ReportKind, opts: ReportOptions, input: ReportInput): ReportOutput {
  try {
    return doReport(kind, opts, input);
  } catch (e) {
    if (e instanceof ReportError) return { stdout: '', stderr: e.stderr, rc: e.rc };
    if (e instanceof SelectionError) return { stdout: '', stderr: `  ${e.message}\n`, rc: 5 };
    throw e;
  }
}

function doReport(kind: ReportKind, opts: ReportOptions, input: ReportInput): ReportOutput {
  const env: Env = { units: resolveUnits(opts.units), nosuffix: opts.nosuffix === true, binary: opts.binary === true };
  const type0 = initialType(kind, opts.segments === true);
  const prefix = PREFIX[type0]!;
  const reportName = prefix.slice(0, -1);
  const dflt = DEFAULTS[type0]!;
  const baseCols = opts.configColumns?.(type0, opts.verbose === true) ?? (opts.verbose ? dflt.verbose : dflt.cols);
  const { names, compact } = optionList(baseCols, opts.options ?? [], prefix);
  const keyTokens = opts.sort && opts.sort.length ? opts.sort.flatMap(splitList) : splitList(opts.configSort?.(type0) ?? dflt.sort);

  // Pass 1 (libdm parses twice): collect the object types all named fields and keys need.
  const types = new Set<ObjType>([type0]);
  let help = false;
  for (const n of names) {
    const f = findField(n, prefix);
    if (f === 'help') help = true;
    else if (f) {
      if (f !== SELECTED_FIELD) types.add(f.type);
    } else {
      const m = allMatch(n, prefix, types);
      if (!m) throw unknownField(n, false);
      for (const t of m) types.add(t);
    }
  }
  for (const k of keyTokens) {
    const f = findField(k.replace(/^[+-]/, ''), prefix);
    if (!f || f === 'help') throw unknownField(k.replace(/^[+-]/, ''), true);
    if (f !== SELECTED_FIELD) types.add(f.type);
  }
  if (help) return { stdout: '', stderr: optionsHelp(), rc: 0 };
  if (opts.select !== undefined && (opts.select === 'help' || opts.select === '?')) {
    return { stdout: '', stderr: selectionHelp(), rc: 0 };
  }
  let sel: SelNode | undefined;
  if (opts.select !== undefined && opts.select !== '' && opts.select !== 'all') {
    sel = parseSelection(opts.select, (n) => {
      const f = findField(n, prefix);
      return f === 'help' ? undefined : f;
    });
    for (const f of selectionFields(sel)) if (f !== SELECTED_FIELD) types.add(f.type);
  }

  // Pass 2: the visible columns, with `all` expanded over every collected type.
  const shown: FieldDef[] = [];
  for (const n of names) {
    const f = findField(n, prefix);
    if (f && f !== 'help') shown.push(f);
    else shown.push(...fieldsOfTypes(allMatch(n, prefix, types)!));
  }
  const hiddenKeys: FieldDef[] = [];
  const keys: SortKey[] = [];
  const seenKeys = new Set<FieldDef>();
  for (const k of keyTokens) {
    const f = findField(k.replace(/^[+-]/, ''), prefix) as FieldDef;
    if (seenKeys.has(f)) continue;
    seenKeys.add(f);
    let idx = shown.indexOf(f);
    if (idx < 0) {
      idx = -1 - hiddenKeys.length;
      hiddenKeys.push(f);
    }
    keys.push({ col: idx, desc: k.startsWith('-') });
  }
  // Hidden sort-key columns come first, as libdm keeps them at the head of its field list.
  const cols: Column[] = [
    ...hiddenKeys.map((field) => ({ field, hidden: true })),
    ...shown.map((field) => ({ field, hidden: false })),
  ];
  const colIndex = (k: SortKey): number => (k.col >= 0 ? hiddenKeys.length + k.col : -1 - k.col);

  const rowType = finalRowType(types, kind === 'pvs', reportName);
  const rows = buildRows(rowType, input, opts.all === true);

  const showSelected = shown.includes(SELECTED_FIELD);
  let table: { values: FieldValue[]; selected: boolean }[] = rows.map((row: RowCtx) => {
    const cache = new Map<FieldDef, FieldValue>();
    const get = (f: FieldDef): FieldValue => {
      let v = cache.get(f);
      if (!v) {
        v = f.value(row, env);
        cache.set(f, v);
      }
      return v;
    };
    const selected = sel ? evalSelection(sel, get) : true;
    const values = cols.map((c) =>
      c.field === SELECTED_FIELD ? { text: selected ? '1' : '0', sort: selected ? 1 : 0 } : get(c.field),
    );
    return { values, selected };
  });
  table = table.filter((r) => r.selected || showSelected);

  const json = opts.reportformat === 'json';
  const buffered = json || !opts.unbuffered || (opts.sort !== undefined && opts.sort.length > 0);
  if (buffered) {
    table.sort((a, b) => {
      for (const k of keys) {
        const i = colIndex(k);
        const x = a.values[i]!.sort;
        const y = b.values[i]!.sort;
        if (x === y) continue;
        const cmp = typeof x === 'number' && typeof y === 'number' ? (x < y ? -1 : 1) : String(x) < String(y) ? -1 : 1;
        return k.desc ? -cmp : cmp;
      }
      return 0;
    });
  }

  if (compact.length && buffered) {
    for (const name of compact) {
      const f = findField(name, prefix);
      for (const c of cols) {
        if (c.field !== f || c.hidden) continue;
        const i = cols.indexOf(c);
        if (table.every((r) => r.values[i]!.text === '')) c.hidden = true;
      }
    }
  }

  const separatorGiven = opts.separator !== undefined;
  let aligned = !separatorGiven || opts.aligned === true;
  if (opts.nameprefixes) aligned = false;
  const layout: Layout = {
    json,
    jsonName: JSON_NAME[type0]!,
    headings: !opts.noheadings && !json,
    aligned: aligned && !json && !opts.rows,
    buffered,
    separator: opts.separator ?? ' ',
    namePrefixes: opts.nameprefixes === true && !json,
    quoted: !opts.unquoted,
    columnsAsRows: opts.rows === true && !json,
  };
  const texts = table.map((r) => r.values.map((v) => v.text));
  return { stdout: render(cols, texts, layout), stderr: '', rc: 0, rowType };
}

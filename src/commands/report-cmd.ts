// pvs, vgs, lvs (and xxdisplay -C): choose the objects named on the command line, hand them to the report engine.
import { unusableReason } from './display/walk-pv.ts';
import type { Ctx } from '../ops/context.ts';
import { optAll } from '../ops/args.ts';
import { renderReport, type ReportKind, type ReportOptions } from '../report/report.ts';
import type { ReportInput } from '../report/rows.ts';
import { lvObjects, pvObjects, vgObject } from '../ops/objects.ts';
import { splitLvName, findVgOrSay, exportedForCommand } from '../ops/select.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LvObject, VgObject } from '../report/objects.ts';

/** lvm.conf's names of the report types, in report/<name>_cols. */
const CONFIG_NAMES: Record<string, string> = { LVS: 'lvs', VGS: 'vgs', LABEL: 'pvs', SEGS: 'segs', PVSEGS: 'pvsegs' };

export function reportOptions(ctx: Ctx): ReportOptions {
  const o: ReportOptions = {
    options: optAll(ctx.args, 'options'),
    sort: optAll(ctx.args, 'sort'),
    nosuffix: ctx.has('nosuffix') || ctx.config.int('global/suffix', 1) === 0,
    noheadings: ctx.has('noheadings') || ctx.config.int('report/headings', 1) === 0,
    aligned: ctx.has('aligned'),
    nameprefixes: ctx.has('nameprefixes'),
    unquoted: ctx.has('unquoted'),
    rows: ctx.has('rows'),
    binary: ctx.has('binary'),
    unbuffered: ctx.has('unbuffered'),
    segments: ctx.has('segments'),
    all: ctx.has('all'),
    verbose: ctx.count('verbose') > 0,
  };
  // lvm.conf's default columns and sort keys per report type (report/pvs_cols, lvs_sort …).
  const key = (type: string) => CONFIG_NAMES[type];
  o.configColumns = (type, verbose) => {
    const k = key(type);
    return k ? ctx.config.strOrUndefined(`report/${k}_cols${verbose ? '_verbose' : ''}`) : undefined;
  };
  o.configSort = (type) => {
    const k = key(type);
    return k ? ctx.config.strOrUndefined(`report/${k}_sort`) : undefined;
  };
  const sel = ctx.opt('select');
  if (sel !== undefined) o.select = sel;
  const units = ctx.opt('units') ?? ctx.config.strOrUndefined('global/units');
  if (units !== undefined) o.units = units;
  const sep = ctx.opt('separator');
  if (sep !== undefined) o.separator = sep;
  const fmt = ctx.opt('reportformat');
  if (fmt === 'json' || fmt === 'basic') o.reportformat = fmt;
  return o;
}

/** Objects for a report; prints lvm2's not-found errors and returns the rc they imply. */
export function reportInput(ctx: Ctx, kind: ReportKind): { input: ReportInput; rc: number } {
  const scan = ctx.scan();
  // @tag arguments select what carries the tag (for lvs also every LV of a VG carrying it).
  const tags = ctx.args.positionals.filter((a) => a.startsWith('@')).map((a) => a.slice(1));
  const args = ctx.args.positionals.filter((a) => !a.startsWith('@'));
  let rc = 0;
  if (kind === 'pvs') {
    let pvs = pvObjects(scan, ctx.has('all'));
    if (tags.length) pvs = pvs.filter((p) => p.pv?.tags.some((t) => tags.includes(t)) || (args.length > 0 && args.map((a) => ctx.deviceName(a)).includes(p.name)));
    if (args.length && !tags.length) {
      const names = args.map((a) => ctx.deviceName(a));
      for (const n of names)
        if (!pvs.some((p) => p.name === n)) {
          // A device that was looked at but holds no PV is "not found" as a PV; one that could not
          // be looked at says why (not in the devices file, missing, unreadable).
          const d = scan.device(n);
          ctx.error(d && !d.error ? `Failed to find physical volume "${n}".` : `Cannot use ${n}: ${unusableReason(ctx, n, d)}`);
          rc = 5;
        }
      pvs = pvs.filter((p) => names.includes(p.name));
    } else if (!ctx.has('all')) pvs = pvs.filter((p) => !p.duplicate);
    return { input: { pvs }, rc };
  }
  const vgos: VgObject[] = [];
  // Keyed by VG id: two VGs may share a name when no name was given.
  const wantLvs = new Map<string, Set<string> | 'all'>();
  const picks: { f: FoundVg; lv?: string }[] = [];
  // lvs passes over exported VGs it was not given by name (pvs and vgs show them).
  const listed = scan.sortedByName().filter((f) => !exportedForCommand(ctx, f));
  if (!args.length && !tags.length) for (const f of listed) picks.push({ f });
  if (tags.length)
    for (const f of listed) {
      if (f.vg.tags.some((t) => tags.includes(t))) picks.push({ f });
      else if (kind === 'lvs') for (const l of f.vg.lvs) if (l.tags.some((t) => tags.includes(t))) picks.push({ f, lv: l.name });
    }
  for (const a of args) {
    const s = kind === 'lvs' ? splitLvName(a) : undefined;
    const vgName = s ? s.vg : a.replace(/^\/dev\//, '').replace(/\/$/, '');
    const f = findVgOrSay(ctx, vgName);
    if (!f) {
      rc = 5;
      continue;
    }
    if (s && !f.vg.lvs.some((l) => l.name === s.lv)) {
      ctx.error(`Failed to find logical volume "${vgName}/${s.lv}"`);
      rc = 5;
      continue;
    }
    picks.push({ f, ...(s ? { lv: s.lv } : {}) });
  }
  for (const { f, lv } of picks) {
    if (!vgos.some((v) => v.vg.id === f.vg.id)) vgos.push(vgObject(f));
    const prev = wantLvs.get(f.vg.id);
    if (lv === undefined) wantLvs.set(f.vg.id, 'all');
    else if (prev !== 'all') wantLvs.set(f.vg.id, new Set([...(prev ?? []), lv]));
  }
  // PV fields in vgs or lvs (`vgs -o +pv_name`) make rows per PV of the VGs reported, as lvm2's.
  const pvs = pvObjects(scan, false).filter((p) => !p.duplicate && p.vg && vgos.some((v) => v.vg.id === p.vg!.id));
  if (kind === 'vgs') return { input: { vgs: vgos, pvs }, rc };
  const lvs: LvObject[] = [];
  for (const vgo of vgos) {
    const want = wantLvs.get(vgo.vg.id);
    for (const lo of lvObjects(ctx, vgo)) if (want === 'all' || want?.has(lo.lv.name)) lvs.push(lo);
  }
  return { input: { lvs, vgs: vgos, pvs }, rc };
}

export function runReport(ctx: Ctx, kind: ReportKind): number {
  const { input, rc } = reportInput(ctx, kind);
  const out = renderReport(kind, reportOptions(ctx), input);
  if (out.stderr) ctx.run.io.err(out.stderr);
  if (out.stdout) ctx.output(out.stdout);
  return out.rc || rc;
}

// fullreport: per VG (and then the orphan PVs) lvm2's five reports in a row — the VG, its PVs,
// its LVs, the PV segments and the LV segments — each with every field of its type, as
// report/{vgs,pvs,lvs,pvsegs,segs}_cols_full and _sort_full default to in lvm2 2.03.16; as one JSON
// document with --reportformat json.
import type { Ctx } from '../ops/context.ts';
import { renderReport, type ReportKind, type ReportOptions } from '../report/report.ts';
import type { ReportInput } from '../report/rows.ts';
import { lvObjects, pvObjects, vgObject } from '../ops/objects.ts';
import { findVgOrSay } from '../ops/select.ts';
import { reportOptions } from './report-cmd.ts';
import type { FoundVg } from '../metadata/scan.ts';

interface Part {
  kind: ReportKind;
  segments: boolean;
  cols: string;
  sort: string;
  conf: string;
}

const PARTS: Part[] = [
  { kind: 'vgs', segments: false, cols: 'vg_all', sort: 'vg_name', conf: 'vgs' },
  { kind: 'pvs', segments: false, cols: 'pv_all', sort: 'pv_name', conf: 'pvs' },
  { kind: 'lvs', segments: false, cols: 'lv_all', sort: 'vg_name,lv_name', conf: 'lvs' },
  { kind: 'pvs', segments: true, cols: 'pvseg_all,pv_uuid,lv_uuid', sort: 'pv_uuid,pvseg_start', conf: 'pvsegs' },
  { kind: 'lvs', segments: true, cols: 'seg_all,lv_uuid', sort: 'lv_uuid,seg_start', conf: 'segs' },
];

/** -o/-O replace the full defaults, unless they only add to them (`+field`). */
function withDefault(given: string[] | undefined, dflt: string): string[] {
  if (!given?.length) return [dflt];
  return given[0]!.startsWith('+') ? [dflt, ...given] : given;
}

export async function run(ctx: Ctx): Promise<number> {
  const base = reportOptions(ctx);
  const json = base.reportformat === 'json';
  const groupsJson: string[] = [];
  const scan = ctx.scan();
  let rc = 0;
  const groups: { f?: FoundVg }[] = [];
  if (ctx.args.positionals.length) {
    for (const name of ctx.args.positionals) {
      const f = findVgOrSay(ctx, name);
      if (f) groups.push({ f });
      else rc = 5;
    }
  } else {
    for (const f of scan.sortedByName()) groups.push({ f });
    groups.push({});
  }
  const allPvs = pvObjects(scan, false).filter((p) => !p.duplicate);
  for (const g of groups) {
    const vgo = g.f ? vgObject(g.f) : undefined;
    const pvs = allPvs.filter((p) => (vgo ? p.vg?.id === vgo.vg.id : !p.vg));
    if (!vgo && !pvs.length) continue;
    const input: ReportInput = vgo ? { vgs: [vgo], pvs, lvs: lvObjects(ctx, vgo) } : { pvs };
    const partsJson: string[] = [];
    for (const p of PARTS) {
      // An orphan PV has no VG, LV or LV segment rows.
      if (!vgo && p.kind !== 'pvs') continue;
      const opts: ReportOptions = {
        ...base,
        segments: p.segments,
        options: withDefault(base.options, ctx.config.str(`report/${p.conf}_cols_full`, p.cols)),
        sort: withDefault(base.sort, ctx.config.str(`report/${p.conf}_sort_full`, p.sort)),
      };
      const out = renderReport(p.kind, opts, input);
      if (out.stderr) ctx.run.io.err(out.stderr);
      rc = Math.max(rc, out.rc);
      if (json) partsJson.push(jsonPart(JSON_NAMES[PARTS.indexOf(p)]!, out.stdout));
      else if (out.stdout) ctx.output(out.stdout);
    }
    if (json) groupsJson.push(`${I(10)}{\n${partsJson.join(`${I(14)},\n`)}${I(10)}}\n`);
  }
  // One JSON document: a report object per VG (and one for the orphans), each with its five arrays.
  if (json) ctx.output(`${I(2)}{\n${I(6)}"report": [\n${groupsJson.join(`${I(10)},\n`)}${I(6)}]\n${I(2)}}\n`);
  return rc;
}

const JSON_NAMES = ['vg', 'pv', 'lv', 'pvseg', 'seg'];
const I = (n: number) => ' '.repeat(n);

/** One report's rows out of its own JSON document, as an array of the fullreport's. */
function jsonPart(name: string, doc: string): string {
  const rows = doc.split('\n').filter((l) => l.startsWith(`${I(18)}{`));
  return `${I(14)}"${name}": [\n${rows.map((r) => `${r}\n`).join('')}${I(14)}]\n`;
}

// process_each_lv for lvdisplay/lvscan: VGs in cache order (or as named), LVs in metadata order
// with thin pools moved to the front, hidden LVs only with -a or when named. Names that match
// nothing are reported after their VG has been processed.
import type { Ctx } from '../../ops/context.ts';
import { duplicateVgName, vgNotFound } from '../../ops/select.ts';
import { vgObject } from '../../ops/objects.ts';
import type { FoundVg } from '../../metadata/scan.ts';
import type { VgObject } from '../../report/objects.ts';
import type { LogicalVolume } from '../../model/types.ts';
import { isLvVisibleForReport, isSnapshotHolder, isThinPool } from '../../report/lv-info.ts';
import { splitLvName } from '../../ops/select.ts';

interface LvArgs {
  /** VG names in order of first mention. */
  vgs: string[];
  /** Per VG: the LV names asked for, or 'all' when the VG itself was named. */
  lvs: Map<string, string[] | 'all'>;
  tags: string[];
  rc: number;
}

function parseArgs(ctx: Ctx): LvArgs {
  const out: LvArgs = { vgs: [], lvs: new Map(), tags: [], rc: 0 };
  for (const arg of ctx.args.positionals) {
    if (arg.startsWith('@')) {
      out.tags.push(arg.slice(1));
      continue;
    }
    // skip_dev_dir: /dev/VG/LV and /dev/mapper/VG-LV name the same LV as VG/LV.
    const mapped = arg.startsWith('/dev/mapper/') ? splitLvName(arg) : undefined;
    const s = mapped ? `${mapped.vg}/${mapped.lv}` : arg.startsWith('/dev/') ? arg.slice(5) : arg;
    if (s.startsWith('/')) {
      ctx.error(`"${arg}": Invalid path for Logical Volume.`);
      out.rc = 5;
      continue;
    }
    const slash = s.indexOf('/');
    const vg = slash < 0 ? s : s.slice(0, slash);
    const lv = slash < 0 ? undefined : s.slice(slash).replace(/^\/+/, '');
    if (!out.vgs.includes(vg)) out.vgs.push(vg);
    const cur = out.lvs.get(vg);
    if (lv === undefined) out.lvs.set(vg, 'all');
    else if (cur !== 'all') out.lvs.set(vg, cur ? (cur.includes(lv) ? cur : [...cur, lv]) : [lv]);
  }
  return out;
}

/** The LVs of one VG to process, in lvm2's order, and the named LVs it did not find. */
function lvsInVg(ctx: Ctx, f: FoundVg, wanted: string[] | 'all', tags: string[]): { lvs: LogicalVolume[]; missing: string[] } {
  const vg = f.vg;
  const named = wanted === 'all' ? [] : [...wanted];
  const lvArgs = named.length > 0;
  const processAll = (wanted === 'all' && !tags.length) || vg.tags.some((t) => tags.includes(t));
  const front: LogicalVolume[] = [];
  const rest: LogicalVolume[] = [];
  for (const lv of vg.lvs) {
    if (isSnapshotHolder(lv)) continue;
    if (!lvArgs && !isLvVisibleForReport(vg, lv) && !ctx.has('all')) continue;
    let process = processAll;
    const i = named.indexOf(lv.name);
    if (i >= 0) {
      named.splice(i, 1);
      process = true;
    }
    if (!process && lv.tags.some((t) => tags.includes(t))) process = true;
    if (!process) continue;
    // lvm2 adds thin pools at the head of its list, so they come first (the last one first).
    if (isThinPool(lv)) front.unshift(lv);
    else rest.push(lv);
  }
  return { lvs: [...front, ...rest], missing: named };
}

/**
 * Calls `fn` for each selected LV. `allowExported` is lvm2's ALLOW_EXPORTED command flag.
 * Returns the exit code (5 when any VG or LV was not found).
 */
export function eachLv(ctx: Ctx, allowExported: boolean, fn: (vgo: VgObject, lv: LogicalVolume) => void): number {
  const args = parseArgs(ctx);
  let rc = args.rc;
  const scan = ctx.scan();
  const everything = !args.vgs.length;
  const targets: { name: string; f: FoundVg | undefined }[] = everything || args.tags.length
    ? scan.all().map((f) => ({ name: f.vg.name, f }))
    : args.vgs.map((name) => ({ name, f: scan.isDuplicate(name) ? undefined : scan.get(name) }));
  for (const { name, f } of targets) {
    const wanted = args.lvs.get(name) ?? (everything && !args.tags.length ? 'all' : []);
    if (!f) {
      for (const l of scan.isDuplicate(name) ? duplicateVgName(name) : vgNotFound(name)) ctx.error(l);
      rc = 5;
      continue;
    }
    if (f.vg.status.includes('EXPORTED') && !allowExported) {
      if (args.vgs.includes(name)) {
        ctx.error(`Volume group ${name} is exported`);
        rc = 5;
      }
      continue;
    }
    const vgo = vgObject(f);
    const { lvs, missing } = lvsInVg(ctx, f, wanted, args.tags);
    for (const lv of lvs) fn(vgo, lv);
    for (const m of missing) {
      ctx.error(`Failed to find logical volume "${name}/${m}"`);
      rc = 5;
    }
  }
  return rc;
}

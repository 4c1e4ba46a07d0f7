// lvrename: `lvrename VG OLD NEW` or `lvrename VG/OLD VG/NEW`.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { findVgOrFail, splitLvName } from '../ops/select.ts';
import { lvNameRestriction, nameProblem } from '../model/names.ts';
import { renameReferences } from '../segtypes/index.ts';
import { reloadVg } from '../ops/activate.ts';

export async function run(ctx: Ctx): Promise<number> {
  const p = ctx.args.positionals;
  let vgName: string;
  let oldName: string;
  let newName: string;
  if (p.length === 3) [vgName, oldName, newName] = p as [string, string, string];
  else {
    const a = splitLvName(p[0]!);
    if (!a) fail(`Logical volume name "${p[0]}" is invalid.`, 3);
    vgName = a.vg;
    oldName = a.lv;
    const b = splitLvName(p[1]!);
    if (b && b.vg !== vgName) fail(`Logical volume names must have the same volume group ("${vgName}" or "${b.vg}").`, 3);
    newName = b ? b.lv : p[1]!;
  }
  if (nameProblem(newName)) fail([`New logical volume name "${newName}" is invalid.`, `Run \`lvrename --help' for more information.`], 3);
  const r = lvNameRestriction(newName);
  if (r) fail([r, `Run \`lvrename --help' for more information.`], 3);
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg = cloneVg(found.vg);
  const lv = vg.lvs.find((l) => l.name === oldName);
  if (!lv) fail(`Existing logical volume "${oldName}" not found in volume group "${vgName}"`);
  if (vg.lvs.some((l) => l.name === newName)) fail(`Logical volume "${newName}" already exists in volume group "${vgName}"`);
  lv.name = newName;
  // Every segment naming the renamed LV (snapshots, pools, LV areas ...) follows it.
  renameReferences(vg.lvs, oldName, newName);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, vgName, ctx.pvPaths(found));
  ctx.print(`Renamed "${oldName}" to "${newName}" in volume group "${vgName}"`);
  return 0;
}

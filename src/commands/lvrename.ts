// lvrename: `lvrename VG OLD NEW` or `lvrename VG/OLD VG/NEW`.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, splitLvName } from './select.ts';
import { NAME_LEN, lvNameRestriction, nameProblem } from '../model/names.ts';
import { attrString, segType } from '../model/types.ts';
import { reloadVg } from './activate.ts';

/** The checks lvm2's lvrename makes before it looks at any VG, in its order; all rc 3. */
function parseNames(positionals: string[]): { vgName: string; oldName: string; newName: string } {
  const bad = (msg: string): never => fail([msg, `Run \`lvrename --help' for more information.`], 3, 'INVALID_NAME');
  const vgOf = (arg: string) => splitLvName(arg)?.vg ?? arg.replace(/^\/dev\//, '').split('/')[0]!;
  let vgName: string;
  let oldArg: string;
  let newArg: string;
  if (positionals.length === 3) {
    [vgName, oldArg, newArg] = positionals as [string, string, string];
    vgName = vgName.replace(/^\/dev\//, '');
    if (oldArg.includes('/') && vgOf(oldArg) !== vgName) bad(`Please use a single volume group name ("${vgName}" or "${vgOf(oldArg)}")`);
  } else {
    [oldArg, newArg] = positionals as [string, string];
    const a = splitLvName(oldArg);
    if (!a) return fail(`Logical volume name "${oldArg}" is invalid.`, 3, 'INVALID_NAME');
    vgName = a.vg;
  }
  if (nameProblem(vgName)) bad('Please provide a valid volume group name');
  if (newArg.includes('/') && vgOf(newArg) !== vgName) bad(`Logical volume names must have the same volume group ("${vgName}" or "${vgOf(newArg)}")`);
  const oldName = oldArg.slice(oldArg.lastIndexOf('/') + 1);
  const newName = newArg.slice(newArg.lastIndexOf('/') + 1);
  // "-name" is a historical LV's: a live LV cannot be renamed to one.
  if (newName.startsWith('-') && !oldName.startsWith('-')) bad('Old name references live LV while new name is for historical LV.');
  const maxLen = NAME_LEN - vgName.length - 3;
  if (newName.length > maxLen) bad(`New logical volume name "${newName}" may not exceed ${maxLen} characters.`);
  if (!newName) bad('New logical volume name may not be blank');
  const r = lvNameRestriction(newName);
  if (r) bad(r);
  if (nameProblem(newName)) bad(`New logical volume name "${newName}" is invalid`);
  if (oldName === newName) bad('Old and new logical volume names must differ');
  return { vgName, oldName, newName };
}

export async function run(ctx: Ctx): Promise<number> {
  const { vgName, oldName, newName } = parseNames(ctx.args.positionals);
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg = cloneVg(found.vg);
  const lv = vg.lvs.find((l) => l.name === oldName);
  if (!lv) fail(`Existing logical volume "${oldName}" not found in volume group "${vgName}"`, 5, 'LV_NOT_FOUND', { vg: vgName, lv: oldName });
  if (vg.lvs.some((l) => l.name === newName)) fail(`Logical volume "${newName}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: newName });
  lv.name = newName;
  // Keep references from snapshot segments and LV areas pointing at the renamed LV.
  for (const l of vg.lvs)
    for (const s of l.segments) {
      if (segType(s) === 'snapshot')
        for (const n of s.attrs)
          if ((n.key === 'origin' || n.key === 'cow_store') && attrString(s, n.key) === oldName) n.value = { kind: 'string', value: newName };
      for (const a of s.areas ?? []) if (a.kind === 'lv' && a.lv === oldName) a.lv = newName;
    }
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, vgName, ctx.pvPaths(found));
  ctx.print(`Renamed "${oldName}" to "${newName}" in volume group "${vgName}"`);
  return 0;
}

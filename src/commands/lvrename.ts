// lvrename: `lvrename VG OLD NEW` or `lvrename VG/OLD VG/NEW`.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { splitLvName } from '../ops/select.ts';
import { NAME_LEN, lvNameRestriction, nameProblem } from '../model/names.ts';
import { renameLv } from '../ops/rename-lv.ts';

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
  await renameLv(ctx, { vg: vgName, lv: oldName, newName });
  return 0;
}

// Renaming an LV as an operation (lvrename): every segment naming it follows (snapshots, pools,
// LV areas), and an active LV switches to its new name live.
import { poolSegOf } from '../model/thin.ts';
import { lvIsVisible } from '../model/types.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { lvNameRestriction, nameProblem } from '../model/names.ts';
import { renameReferences } from '../segtypes/index.ts';
import { reloadVg } from './activate.ts';

export interface RenameLvOptions {
  vg: string;
  lv: string;
  newName: string;
}

export async function renameLv(ctx: Ctx, o: RenameLvOptions): Promise<void> {
  const { vg: vgName, lv: oldName, newName } = o;
  const help = `Run \`lvrename --help' for more information.`;
  const r = lvNameRestriction(newName);
  if (r) fail([r, help], 3, 'INVALID_NAME', { name: newName });
  if (nameProblem(newName)) fail([`New logical volume name "${newName}" is invalid`, help], 3, 'INVALID_NAME', { name: newName });
  if (oldName === newName) fail(['Old and new logical volume names must differ', help], 3, 'INVALID_NAME', { name: newName });
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg = cloneVg(found.vg);
  const lv = vg.lvs.find((l) => l.name === oldName);
  if (!lv) fail(`Existing logical volume "${oldName}" not found in volume group "${vgName}"`, 5, 'LV_NOT_FOUND', { vg: vgName, lv: oldName });
  if (vg.lvs.some((l) => l.name === newName)) fail(`Logical volume "${newName}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: newName });
  // Sub LVs go with what they belong to (lvm2's lv_rename_update): a pool's parts, its spare.
  if (!lvIsVisible(vg, lv) && !poolSegOf(lv)) fail(`Cannot rename internal LV "${oldName}".`, 5, 'INVALID_NAME', { vg: vgName, lv: oldName });
  lv.name = newName;
  // A pool's data and metadata LVs (`OLD_tdata`, `OLD_tmeta`) take the new name too (lvm2's _rename_sub_lv).
  const seg = poolSegOf(lv);
  for (const sub of seg ? [seg.pool, seg.metadata] : []) {
    if (!sub.startsWith(`${oldName}_`)) continue;
    const to = `${newName}${sub.slice(oldName.length)}`;
    if (vg.lvs.some((l) => l.name === to)) fail(`Logical volume "${to}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: to });
    vg.lvs.find((l) => l.name === sub)!.name = to;
    renameReferences(vg.lvs, sub, to);
  }
  // Every segment naming the renamed LV (snapshots, pools, LV areas ...) follows it.
  renameReferences(vg.lvs, oldName, newName);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, vgName, ctx.pvPaths(found));
  ctx.print(`Renamed "${oldName}" to "${newName}" in volume group "${vgName}"`);
}

// Removing a VG as an operation (vgremove): its LVs first (asked, unless forced), then the PVs
// go back to the orphans and its backup file goes.
import type { Ctx } from './context.ts';
import { orphanPvs } from '../metadata/commit.ts';
import { lvSelectable, removeLvs } from './lv-remove.ts';
import { findVgOrSay, rescanVg } from './select.ts';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Removes one VG; returns lvm2's status (5 after printing why it was not removed). */
export async function removeVg(ctx: Ctx, name: string, force = ctx.has('force')): Promise<number> {
  await ctx.locks.global();
  await ctx.locks.vg(name);
  const found = findVgOrSay(ctx, name, true);
  if (!found) return 5;
  const visible = found.vg.lvs.filter((l) => lvSelectable(l, found.vg));
  if (visible.length) {
    if (!force && !ctx.prompt(`Do you really want to remove volume group "${name}" containing ${visible.length} logical volumes? [y/n]: `)) {
      ctx.error(`Volume group "${name}" not removed`);
      return 5;
    }
    if ((await removeLvs(ctx, found, visible.map((l) => l.name), force)) !== 0) return 5;
  }
  const f = rescanVg(ctx, found);
  ctx.archive(f.vg);
  orphanPvs(ctx.opener, ctx.pvPaths(f));
  try {
    unlinkSync(join(ctx.paths.backupDir, name));
  } catch {
    /* no backup to remove */
  }
  ctx.print(`Volume group "${name}" successfully removed`);
  return 0;
}

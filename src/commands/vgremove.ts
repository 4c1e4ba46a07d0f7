// vgremove: remove volume groups (and with -f or a yes, their logical volumes).
import type { Ctx } from '../ops/context.ts';
import { orphanPvs } from '../metadata/commit.ts';
import { lvSelectable, removeLvs } from '../ops/lv-remove.ts';
import { findVgOrSay } from '../ops/select.ts';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';

export async function run(ctx: Ctx): Promise<number> {
  let rc = 0;
  await ctx.locks.global();
  for (const name of ctx.args.positionals) {
    await ctx.locks.vg(name);
    const found = findVgOrSay(ctx, name, true);
    if (!found) {
      rc = 5;
      continue;
    }
    const visible = found.vg.lvs.filter((l) => lvSelectable(l, found.vg));
    if (visible.length) {
      if (!ctx.has('force') && !ctx.prompt(`Do you really want to remove volume group "${name}" containing ${visible.length} logical volumes? [y/n]: `)) {
        ctx.error(`Volume group "${name}" not removed`);
        rc = 5;
        continue;
      }
      const r = await removeLvs(ctx, found, visible.map((l) => l.name));
      if (r !== 0) {
        rc = 5;
        continue;
      }
    }
    const f = ctx.scan(true).get(name)!;
    ctx.archive(f.vg);
    orphanPvs(ctx.opener, ctx.pvPaths(f));
    try {
      unlinkSync(join(ctx.paths.backupDir, name));
    } catch {
      /* no backup to remove */
    }
    ctx.print(`Volume group "${name}" successfully removed`);
  }
  return rc;
}

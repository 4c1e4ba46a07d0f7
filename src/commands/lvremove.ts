// lvremove: remove logical volumes (VG/LV arguments, a VG for all its LVs, @tag for the tagged).
import type { Ctx } from '../ops/context.ts';
import { findVgOrSay, lvTargets } from '../ops/select.ts';
import { lvSelectable, removeLvs } from '../ops/lv-remove.ts';

export async function run(ctx: Ctx): Promise<number> {
  const picked = lvTargets(ctx, ctx.args.positionals, (l, f) => lvSelectable(l, f.vg));
  let rc = picked.rc;
  const byVg = new Map<string, string[]>();
  const missing = new Set<string>();
  for (const t of picked.targets) {
    if (missing.has(t.vg)) continue;
    const f = findVgOrSay(ctx, t.vg);
    if (!f) {
      missing.add(t.vg);
      rc = 5;
      continue;
    }
    if (!f.vg.lvs.some((l) => l.name === t.lv)) {
      ctx.error(`Failed to find logical volume "${t.vg}/${t.lv}"`);
      rc = 5;
      continue;
    }
    byVg.set(t.vg, [...(byVg.get(t.vg) ?? []), t.lv]);
  }
  for (const [vgName, names] of byVg) {
    await ctx.locks.vg(vgName);
    const f = ctx.scan(true).get(vgName)!;
    if ((await removeLvs(ctx, f, names)) !== 0) rc = 5;
  }
  return rc;
}

// lvremove: remove logical volumes (VG/LV arguments, or a VG for all its LVs).
import type { Ctx } from '../ops/context.ts';
import { splitLvName, findVgOrSay } from '../ops/select.ts';
import { lvSelectable, removeLvs } from '../ops/lv-remove.ts';

export async function run(ctx: Ctx): Promise<number> {
  let rc = 0;
  const byVg = new Map<string, string[]>();
  for (const arg of ctx.args.positionals) {
    const s = splitLvName(arg);
    const vgName = s ? s.vg : arg.replace(/^\/dev\//, '');
    const f = findVgOrSay(ctx, vgName);
    if (!f) {
      rc = 5;
      continue;
    }
    const list = byVg.get(vgName) ?? [];
    if (s) {
      if (!f.vg.lvs.some((l) => l.name === s.lv)) {
        ctx.error(`Failed to find logical volume "${vgName}/${s.lv}"`);
        rc = 5;
        continue;
      }
      list.push(s.lv);
    } else list.push(...f.vg.lvs.filter((l) => lvSelectable(l, f.vg)).map((l) => l.name));
    byVg.set(vgName, list);
  }
  for (const [vgName, names] of byVg) {
    await ctx.locks.vg(vgName);
    const f = ctx.scan(true).get(vgName)!;
    if ((await removeLvs(ctx, f, names)) !== 0) rc = 5;
  }
  return rc;
}

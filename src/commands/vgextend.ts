// vgextend: add physical volumes to a volume group.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { findVgOrFail } from './select.ts';
import { addPvs, orphanPvsFor } from './vg-build.ts';
import { markMissingPvs } from './missing-pvs.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  await ctx.locks.global();
  await ctx.locks.vg(name!);
  const found = findVgOrFail(ctx, name!);
  const devs = orphanPvsFor(ctx, pvArgs, name!);
  if (!devs) return 5;
  const vg = cloneVg(found.vg);
  addPvs(vg, devs);
  // As lvm2's vgextend, a VG with PVs missing can still grow (that is how one replaces them).
  const warnings = markMissingPvs(vg, found);
  ctx.commit(vg, [...ctx.pvPaths(found, true), ...devs.map((d) => d.path)], found.vg);
  for (const w of warnings) ctx.warn(w);
  ctx.print(`Volume group "${name}" successfully extended`);
  return 0;
}

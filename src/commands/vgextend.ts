// vgextend: add physical volumes to a volume group.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';
import { findVgOrFail } from '../ops/select.ts';
import { fail } from '../ops/context.ts';
import { isResizeable, maxPvProblem, notResizeable } from '../model/limits.ts';
import { addPvs, orphanPvsFor } from '../ops/vg-build.ts';
import { markMissingPvs } from '../ops/missing-pvs.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  await ctx.locks.global();
  await ctx.locks.vg(name!);
  const found = findVgOrFail(ctx, name!);
  const devs = orphanPvsFor(ctx, pvArgs, name!);
  if (!devs) return 5;
  const vg = cloneVg(found.vg);
  // As lvm2, new devices are made PVs first; the VG's flag and limit are checked as they join.
  if (!isResizeable(vg)) fail(notResizeable(vg));
  devs.forEach((d, i) => {
    const over = maxPvProblem(vg, d.path, i);
    if (over) fail(over);
  });
  addPvs(vg, devs);
  // As lvm2's vgextend, a VG with PVs missing can still grow (that is how one replaces them).
  const warnings = markMissingPvs(vg, found);
  ctx.commit(vg, [...ctx.pvPaths(found, true), ...devs.map((d) => d.path)], found.vg);
  for (const w of warnings) ctx.warn(w);
  ctx.print(`Volume group "${name}" successfully extended`);
  return 0;
}

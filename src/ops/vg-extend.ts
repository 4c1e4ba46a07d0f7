// Adding PVs to a VG as an operation (vgextend): plain devices are made PVs first, then the VG's
// flag and limits are checked as they join. A VG with PVs missing can still grow (that is how one
// replaces them): the missing ones stay in its metadata, flagged MISSING.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { addPvs, orphanPvsFor } from './vg-build.ts';
import { markMissingPvs } from './missing-pvs.ts';
import { isResizeable, maxPvProblem, notResizeable } from '../model/limits.ts';
import { UlvmError } from '../errors.ts';

export async function extendVg(ctx: Ctx, vgName: string, devices: string[]): Promise<void> {
  await ctx.locks.global();
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const devs = orphanPvsFor(ctx, devices, vgName);
  if (!devs) throw new UlvmError('DEVICE_UNUSABLE', [], 5, { vg: vgName, detail: `Cannot extend volume group ${vgName}: not every device could be used.` });
  const vg = cloneVg(found.vg);
  if (!isResizeable(vg)) fail(notResizeable(vg), 5, 'FAILED', { vg: vgName });
  devs.forEach((d, i) => {
    const over = maxPvProblem(vg, d.path, i);
    if (over) fail(over, 5, 'FAILED', { vg: vgName, device: d.path });
  });
  addPvs(vg, devs);
  const warnings = markMissingPvs(vg, found);
  ctx.commit(vg, [...ctx.pvPaths(found, true), ...devs.map((d) => d.path)], found.vg);
  for (const w of warnings) ctx.warn(w);
  ctx.print(`Volume group "${vgName}" successfully extended`);
}

// Merging VGs as an operation (vgmerge): the PVs and LVs of the source join the destination in
// one commit of the destination to all their PVs. A crash during it leaves each PV with the
// source's copy or the destination's; the scan then shows the destination with the PVs it
// reached and the source (its copy is older) still whole on its other PVs.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { generateId } from '../formats/uuid.ts';
import { devicesOf, incompatibility, readVg, warnOldMetadata } from './vg-pair.ts';
import type { FoundVg } from '../metadata/scan.ts';

/** Merges `fromName` into `toName`; fails (UlvmError) where lvm2's vgmerge refuses. */
export async function mergeVg(ctx: Ctx, toName: string, fromName: string): Promise<void> {
  if (toName === fromName) fail(`Duplicate volume group name "${fromName}"`);
  // lvm2 reads (and locks) the two in name order.
  const order = toName > fromName ? [fromName, toName] : [toName, fromName];
  const read = new Map<string, FoundVg>();
  for (const name of order) {
    ctx.verbose(1, `Checking for volume group "${name}"`);
    await ctx.locks.vg(name);
    const r = readVg(ctx, name);
    if (Array.isArray(r)) fail(r, 5, r[0]!.endsWith('exported') ? 'VG_EXPORTED' : 'VG_NOT_FOUND', { vg: name });
    read.set(name, r);
  }
  const fromFound = read.get(fromName)!;
  const toFound = read.get(toName)!;
  const problem = await incompatibility(ctx, fromFound, toFound.vg);
  if (problem) fail(problem);
  const to = cloneVg(toFound.vg);
  const from = cloneVg(fromFound.vg);
  to.pvs.push(...from.pvs);
  // LV ids are the VG's business: one the destination already has is made anew (lvm2 too).
  for (const lv of from.lvs)
    if (to.lvs.some((l) => l.id === lv.id)) {
      lv.id = generateId();
      ctx.verbose(1, `Changed LVID for ${lv.name}`);
    }
  to.lvs.push(...from.lvs);
  const paths = devicesOf(ctx, to, [toFound, fromFound]);
  ctx.archive(fromFound.vg);
  ctx.verbose(1, 'Writing out updated volume group');
  ctx.commit(to, paths, toFound.vg);
  warnOldMetadata(ctx, to, toFound.vg.seqno, fromFound, from.pvs.map((p) => p.id));
  ctx.print(`Volume group "${fromName}" successfully merged into "${toName}"`);
}

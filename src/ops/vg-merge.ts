// Merging VGs as an operation (vgmerge): the PVs and LVs of the source join the destination.
// lvm2 writes the destination to all the PVs at once; a crash in the middle of that leaves the
// source's PVs half with the merged VG and half with the source, both usable and sharing PVs.
// ulvm first marks the source exported (unusable), then writes the merged destination: a crash
// before the merged copy lands anywhere leaves the destination as it was and the source exported
// but whole (vgimport gives it back); after, the merged destination is what the scan shows, and
// what is left of the source is exported, so no PV is ever in two usable VGs.
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
  const guard = cloneVg(fromFound.vg);
  guard.status = [...new Set([...guard.status, 'EXPORTED'])];
  ctx.commit(guard, ctx.pvPaths(fromFound), fromFound.vg, { backup: false });
  ctx.verbose(1, 'Writing out updated volume group');
  ctx.commit(to, paths, toFound.vg);
  warnOldMetadata(ctx, to, toFound.vg.seqno, fromFound, from.pvs.map((p) => p.id));
  ctx.print(`Volume group "${fromName}" successfully merged into "${toName}"`);
}

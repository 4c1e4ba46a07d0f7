// Merging a classic snapshot back into its origin (lvm2's _lvconvert_merge_old_snapshot and the
// poll that finishes it): checks, the merging_store commit, the merge itself in the activation
// engine, and dropping the snapshot once its data is back in the origin.
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume } from '../model/types.ts';
import { cloneVg } from '../model/clone.ts';
import { dropSnapshot, mergingSnapshotOf, snapshotLinks, snapshotOfCow, startMerge } from '../model/snapshots.ts';
import { ActivationError } from '../activation/activator.ts';

export interface MergeOptions {
  /** -b: lvm2 leaves the poll to a background process, which prints nothing here. */
  background: boolean;
}

/** An origin whose merge was started and is to be polled to the end. */
export interface MergePoll {
  vgName: string;
  originName: string;
  devices: string[];
}

/**
 * One `lvconvert --merge` of a COW snapshot LV: checks, then the merging_store commit. Returns
 * lvm2's status (0, or 5 with the error printed) and, when the merge can start now, the origin to
 * poll; lvm2 polls only once every named LV was processed. The VG lock is held by the caller.
 */
export async function startSnapshotMerge(ctx: Ctx, found: FoundVg, cow: LogicalVolume): Promise<{ rc: number; poll?: MergePoll }> {
  const vg = found.vg;
  const link = snapshotOfCow(vg, cow.name)!;
  const name = `${vg.name}/${cow.name}`;
  const originName = `${vg.name}/${link.origin}`;
  const origin = vg.lvs.find((l) => l.name === link.origin);
  if (!origin) return failWith(ctx, `Internal error: Cannot get origin from ${name} COW.`);
  // lvm2 2.03 names the snapshot being merged here, not the one already merging.
  if (mergingSnapshotOf(vg, link.origin)) return failWith(ctx, `Cannot merge snapshot ${name} into the origin ${originName} with merging snapshot ${name}.`);
  if (!origin.status.includes('WRITE')) return failWith(ctx, `Cannot merge snapshot ${name} into the read-only origin ${originName}. (Use lvchange -p rw).`);
  await ctx.loadActivation();
  const activeCow = ctx.activeLv(vg.id, cow.id);
  if (activeCow?.invalid) return failWith(ctx, `Unable to merge invalidated snapshot LV ${name}.`);
  if (ctx.activationDisabled) return failWith(ctx, "Can't initialize snapshot merge. Missing support in kernel?");

  // An open origin or snapshot would see its data change underneath: merge on next activation.
  const activeOrigin = ctx.activeLv(vg.id, origin.id);
  let onActivation = false;
  if (activeOrigin) {
    if (activeOrigin.openCount > 0) {
      ctx.print('Delaying merge since origin is open.');
      onActivation = true;
    } else if ((activeCow?.openCount ?? 0) > 0) {
      ctx.print('Delaying merge since snapshot is open.');
      onActivation = true;
    }
  } else onActivation = true;

  const next = cloneVg(vg);
  startMerge(next, cow.name);
  ctx.commit(next, ctx.pvPaths(found), vg);
  if (onActivation) {
    ctx.print(`Merging of snapshot ${name} will occur on next activation of ${originName}.`);
    return { rc: 0 };
  }
  ctx.print(`Merging of volume ${name} started.`);
  return { rc: 0, poll: { vgName: vg.name, originName: origin.name, devices: ctx.pvPaths(found, true) } };
}

/**
 * The poll of a started merge: the engine copies the snapshot back, then the snapshot goes.
 * With -b lvm2 leaves this to a background process whose output is not the terminal's; ulvm
 * still finishes before returning, silently.
 */
export async function pollSnapshotMerge(ctx: Ctx, p: MergePoll, opts: MergeOptions): Promise<number> {
  try {
    await ctx.activator.merge(p.vgName, p.originName, p.devices);
  } catch (e) {
    if (!(e instanceof ActivationError)) throw e;
    ctx.error(`${p.vgName}/${p.originName}: ${e.message}`);
    return 5;
  }
  // The poll's last look: nothing left in the COW is 100% merged.
  if (!opts.background) ctx.print(`${p.vgName}/${p.originName}: Merged: 100.00%`);
  return finishMerges(ctx, p.vgName, !opts.background);
}

function failWith(ctx: Ctx, msg: string): { rc: number } {
  ctx.error(msg);
  return { rc: 5 };
}

/**
 * lvconvert_merge_finish for every origin of the VG whose merge the engine has completed: the
 * snapshot (COW store and snapshotN) leaves the metadata and the origin reloads as a plain LV.
 * `loud` prints what lvm2's foreground poll prints; after an activation lvm2 polls in the
 * background and prints nothing.
 */
export async function finishMerges(ctx: Ctx, vgName: string, loud: boolean): Promise<number> {
  await ctx.locks.vg(vgName);
  let found = ctx.scan(true).get(vgName);
  if (!found) return 0;
  const active = await ctx.loadActivation();
  for (const link of snapshotLinks(found.vg).filter((l) => l.merging)) {
    const origin = found.vg.lvs.find((l) => l.name === link.origin);
    const cow = found.vg.lvs.find((l) => l.name === link.cow);
    if (!origin || !cow) continue;
    const a = active.find((x) => x.vgId === found!.vg.id && x.lvId === origin.id);
    if (a?.mergedCowId !== cow.id) continue;
    if (loud) ctx.print(`Merge of snapshot into logical volume ${vgName}/${origin.name} has finished.`);
    const next = cloneVg(found.vg);
    dropSnapshot(next, cow.name);
    ctx.commit(next, ctx.pvPaths(found), found.vg);
    await ctx.activator.reload(vgName, ctx.pvPaths(found, true));
    if (loud) ctx.print(`Logical volume "${cow.name}" successfully removed.`);
    found = { ...found, vg: next };
  }
  return 0;
}

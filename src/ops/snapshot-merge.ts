// Merging a classic snapshot back into its origin (lvm2's _lvconvert_merge_old_snapshot and the
// poll that finishes it): checks, the merging_store commit, the merge itself in the activation
// engine, and dropping the snapshot once its data is back in the origin.
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume } from '../model/types.ts';
import { cloneVg } from '../model/clone.ts';
import { dropSnapshot, mergingSnapshotOf, snapshotLinks, snapshotOfCow, startMerge } from '../model/snapshots.ts';
import { ActivationError, type MergeResult } from '../activation/activator.ts';
import { pct } from '../report/values.ts';

/** display_percent(): two decimals, never rounding a partial value to 0.00 or 100.00. */
const percentText = (p: number): string => pct(p).text;

/** The time between starting a merge and lvm2's first look at it, roughly. */
const FIRST_LOOK_MS = 100;

export interface MergeOptions {
  /** -b: lvm2 leaves the poll to a background process, which prints nothing here. */
  background: boolean;
  /** --interval: seconds between two looks at the merge; `wait` when given as +N (sleep first). */
  interval: number;
  wait?: boolean;
}

/** --interval as lvm2 reads it, else activation/polling_interval (15). */
export function pollInterval(ctx: Ctx): { interval: number; wait: boolean } {
  const v = ctx.opt('interval');
  if (v === undefined) return { interval: ctx.config.int('activation/polling_interval', 15), wait: false };
  return { interval: Number(v.replace(/^\+/, '')), wait: v.startsWith('+') };
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
 * lvm2's poll of a started merge (poll_merge_progress every --interval): the daemon merges in
 * the background; this looks at what is left and prints `Merged:`, then drops the snapshot. With
 * -b the daemon finishes alone, as lvm2's background poll does. Interrupted, the command leaves
 * the merge to the daemon, which then drops the snapshot itself.
 */
export async function pollSnapshotMerge(ctx: Ctx, p: MergePoll, opts: MergeOptions): Promise<number> {
  const display = `${p.vgName}/${p.originName}`;
  // lvm2 polls without the VG lock: every look reads the state afresh.
  await ctx.locks.releaseAll();
  let started: MergeResult;
  try {
    started = await ctx.activator.merge(p.vgName, p.originName, p.devices, { wait: false });
  } catch (e) {
    return mergeFailed(ctx, display, e);
  }
  if (opts.background) {
    if (started.background) return 0;
    // No daemon to leave the poll to (in-process activation): finish before returning, silently.
    try {
      await ctx.activator.merge(p.vgName, p.originName, p.devices);
    } catch (e) {
      return mergeFailed(ctx, display, e);
    }
    return finishMerges(ctx, p.vgName, false);
  }
  let outcome: { error?: unknown } | undefined;
  const finished = ctx.activator.merge(p.vgName, p.originName, p.devices).then(
    () => void (outcome = {}),
    (error: unknown) => void (outcome = { error }),
  );
  const nap = (ms = opts.interval * 1000) => Promise.race([new Promise((r) => setTimeout(r, ms)), finished]);
  // lvm2 looks first after its udev sync and a re-read of the VG: a small merge is over by then.
  await nap(opts.wait ? opts.interval * 1000 : FIRST_LOOK_MS);
  for (;;) {
    const a = (await ctx.activator.status()).find((x) => x.vgName === p.vgName && x.lvName === p.originName);
    if (outcome?.error) return mergeFailed(ctx, display, outcome.error);
    if (!a?.mergeUsage) {
      if (a?.mergedCowId) break;
      // Someone else dropped the snapshot (lvconvert_merge_finish's words), or the origin went down.
      const vg = ctx.scan(true).get(p.vgName)?.vg;
      if (!vg || !mergingSnapshotOf(vg, p.originName)) {
        ctx.print(`Logical volume ${display} is no longer merging origin, polling has finished.`);
        return 0;
      }
      ctx.error(`${display}: Failed query for merging percentage. Aborting merge.`);
      return 5;
    }
    if (a.mergeFailed) return mergeFailed(ctx, display, new ActivationError('Merge failed. Retry merge or inspect manually.'));
    const left = snapshotPercent(a.mergeUsage);
    ctx.print(`${display}: Merged: ${percentText(100 - left)}%`);
    if (left === 0) break;
    await nap();
  }
  // The last step is committed; the origin's flush completes the merge.
  await finished;
  if (outcome?.error) return mergeFailed(ctx, display, outcome.error);
  return finishMerges(ctx, p.vgName, true);
}

/** lvm2's snapshot percent from the target's status: nothing but metadata is 0. */
function snapshotPercent(u: { allocated: number; total: number; metadata: number }): number {
  if (u.allocated === u.metadata) return 0;
  return (100 * u.allocated) / u.total;
}

function mergeFailed(ctx: Ctx, display: string, e: unknown): number {
  if (!(e instanceof ActivationError)) throw e;
  ctx.error(`${display}: ${e.message}`);
  return 5;
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
/**
 * After an activation started a merge: a daemon drops the snapshot in the background when the
 * merge is done (lvm2's background poll); in-process activation has nobody to do that, so the
 * merge is waited for here. Whether it is done now.
 */
async function mergeHere(ctx: Ctx, found: FoundVg, originName: string): Promise<boolean> {
  const devices = ctx.pvPaths(found, true);
  try {
    if ((await ctx.activator.merge(found.vg.name, originName, devices, { wait: false })).background) return false;
    await ctx.activator.merge(found.vg.name, originName, devices);
    return true;
  } catch (e) {
    if (!(e instanceof ActivationError)) throw e;
    return false;
  }
}

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
    if (!a) continue;
    if (a.mergedCowId !== cow.id && (loud || !(await mergeHere(ctx, found, origin.name)))) continue;
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

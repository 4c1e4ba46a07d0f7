// Removing LVs from a found VG in one commit per LV, as lvm2 does (shared by lvremove and vgremove).
import { cloneVg } from '../model/clone.ts';
import { dmName } from '../model/names.ts';
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { isVisible } from '../model/types.ts';
import { dropSnapshot, snapshotOfCow, snapshotsOfOrigin } from '../model/snapshots.ts';
import { reloadVg } from './activate.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { UlvmError } from '../errors.ts';
import { dropCreateMessage, isPool, queuedMessages, pmspareOf, poolOfSubLv, poolSegOf, poolsOf, queueMessage, thinSegOf, thinsOfPool } from '../model/thin.ts';
import { sendPoolMessages } from './thin-common.ts';

/** LVs a user can name: visible ones and COW stores of visible origins. */
export function lvSelectable(lv: LogicalVolume, vg?: VolumeGroup): boolean {
  if (/^snapshot\d+$/.test(lv.name) && lv.segments.some((s) => s.kind === 'snapshot')) return false;
  if (isVisible(lv)) return true;
  return vg ? snapshotOfCow(vg, lv.name) !== undefined : false;
}

export async function removeLvs(ctx: Ctx, found: FoundVg, names: string[], force = ctx.has('force')): Promise<number> {
  let rc = 0;
  let current = found;
  // lvm2 keeps pools at the head of its LV list (the last one first): they go first, their thin LVs with them.
  const pools = names.filter((n) => isPool(found.vg.lvs.find((l) => l.name === n))).reverse();
  names = [...pools, ...names.filter((n) => !pools.includes(n))];
  // LVs already gone with an origin removed before them (vgremove names them all).
  const removed = new Set<string>();
  for (const name of names) {
    if (removed.has(name)) continue;
    let vg = cloneVg(current.vg);
    const lv = vg.lvs.find((l) => l.name === name);
    if (!lv) {
      ctx.error(`Failed to find logical volume "${vg.name}/${name}"`);
      rc = 5;
      continue;
    }
    if (poolOfSubLv(vg, name)) {
      ctx.error(`Can't remove logical volume ${vg.name}/${name} used by a pool.`);
      rc = 5;
      continue;
    }
    if (isPool(lv)) {
      const r = await removePool(ctx, current, name, force, removed);
      if (r.rc) rc = r.rc;
      current = r.found;
      continue;
    }
    const active = ctx.activationDisabled ? undefined : ctx.activeLv(vg.id, lv.id);
    // A merging snapshot goes only when it is not live, or invalid (its merge cannot happen).
    if (snapshotOfCow(vg, name)?.merging && active && !active.invalid) {
      ctx.error(`Can't remove merging snapshot logical volume ${vg.name}/${name}.`);
      rc = 5;
      continue;
    }
    if (active) {
      if (active.openCount > 0) {
        ctx.error(`Logical volume ${vg.name}/${name} contains a filesystem in use.`);
        rc = 5;
        continue;
      }
      const snaps = snapshotsOfOrigin(vg, name).length;
      const question = snaps
        ? `Do you really want to remove active origin logical volume ${vg.name}/${name} with ${snaps} snapshots(s)? [y/n]: `
        : `Do you really want to remove active logical volume ${vg.name}/${name}? [y/n]: `;
      if (!force && !ctx.prompt(question)) {
        ctx.error(`Logical volume ${vg.name}/${name} not removed.`);
        rc = 5;
        continue;
      }
      ctx.verbose(1, `Removing ${dmName(vg.name, name)} (${active.major}:${active.minor})`);
      await ctx.activator.deactivate(vg.name, [name]);
    }
    const snap = snapshotOfCow(vg, lv.name);
    // An origin takes its snapshots with it, as lvm2's lv_remove_with_dependencies: each snapshot
    // first, in a commit of its own, then the origin.
    ({ found: current, vg } = dropSnapshotsOf(ctx, current, vg, lv.name, removed));
    ctx.verbose(1, `Releasing logical volume "${name}"`);
    const tseg = thinSegOf(lv);
    if (tseg) {
      // Messages a crash left queued go to the pool first, so that what follows is one batch.
      if (queuedMessages(poolSegOf(vg.lvs.find((l) => l.name === tseg.thinPool))!).length) {
        current = await sendPoolMessages(ctx, current, tseg.thinPool);
        vg = cloneVg(current.vg);
      }
      // The kernel forgets the device once the pool gets the delete (unless it never got the create).
      vg.lvs = vg.lvs.filter((l) => l.name !== lv.name);
      const pseg = poolSegOf(vg.lvs.find((l) => l.name === tseg.thinPool));
      if (pseg && !dropCreateMessage(pseg, lv.name)) queueMessage(pseg, { type: 'delete', deviceId: tseg.deviceId });
      ctx.commit(vg, ctx.pvPaths(current), current.vg);
      current = await sendPoolMessages(ctx, { ...current, vg }, tseg.thinPool);
      ctx.print(`Logical volume "${name}" successfully removed.`);
      continue;
    }
    if (snap) dropSnapshot(vg, lv.name);
    else vg.lvs = vg.lvs.filter((l) => l.name !== lv.name);
    ctx.commit(vg, ctx.pvPaths(current), current.vg);
    // The origin of a removed snapshot stays active and goes back to a plain table.
    if (snap && active) await reloadVg(ctx, vg.name, ctx.pvPaths(current, true));
    current = { ...current, vg };
    ctx.print(`Logical volume "${name}" successfully removed.`);
  }
  return rc;
}

export interface RemoveLvOptions {
  vg: string;
  lvs: string[];
  /** Remove active LVs without asking (lvm2's -f). */
  force?: boolean;
}

/** Removes LVs of one VG (an origin with its snapshots); fails when any could not go. */
export async function removeLv(ctx: Ctx, o: RemoveLvOptions): Promise<void> {
  await ctx.locks.vg(o.vg);
  const f = findVgOrFail(ctx, o.vg);
  for (const n of o.lvs) if (!f.vg.lvs.some((l) => l.name === n && lvSelectable(l, f.vg))) fail(`Failed to find logical volume "${o.vg}/${n}"`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: n });
  if ((await removeLvs(ctx, f, o.lvs, o.force ?? false)) !== 0) throw new UlvmError('FAILED', [], 5, { vg: o.vg, detail: `Not every logical volume of ${o.vg} was removed.` });
}

/** An origin's snapshots, each in a commit of its own; returns the VG as committed and a fresh copy to change. */
function dropSnapshotsOf(ctx: Ctx, found: FoundVg, vg: VolumeGroup, origin: string, removed: Set<string>): { found: FoundVg; vg: VolumeGroup } {
  for (const link of snapshotsOfOrigin(vg, origin)) {
    ctx.verbose(1, `Releasing logical volume "${link.cow}"`);
    dropSnapshot(vg, link.cow);
    ctx.commit(vg, ctx.pvPaths(found), found.vg);
    found = { ...found, vg };
    vg = cloneVg(vg);
    removed.add(link.cow);
    ctx.print(`Logical volume "${link.cow}" successfully removed.`);
  }
  return { found, vg };
}

/**
 * A pool goes with every thin LV in it (lvm2's lv_remove_with_dependencies: one question for all,
 * then each thin LV, no messages for them), then its data and metadata LVs, and the VG's
 * metadata spare with the last pool.
 */
async function removePool(ctx: Ctx, found: FoundVg, name: string, force: boolean, removed: Set<string>): Promise<{ rc: number; found: FoundVg }> {
  let current = found;
  let vg = cloneVg(current.vg);
  const thins = thinsOfPool(vg, name);
  if (thins.length && !force && !ctx.prompt(`Removing pool ${vg.name}/${name} will remove ${thins.length} dependent volume(s). Proceed? [y/n]: `)) {
    ctx.error(`Logical volume ${vg.name}/${name} not removed.`);
    return { rc: 5, found };
  }
  for (const t of thins) {
    const a = ctx.activationDisabled ? undefined : ctx.activeLv(vg.id, t.id);
    if (a) {
      if (a.openCount > 0) {
        ctx.error(`Logical volume ${vg.name}/${t.name} contains a filesystem in use.`);
        return { rc: 5, found: current };
      }
      if (!force && !ctx.prompt(`Do you really want to remove active logical volume ${vg.name}/${t.name}? [y/n]: `)) {
        ctx.error(`Logical volume ${vg.name}/${t.name} not removed.`);
        return { rc: 5, found: current };
      }
      await ctx.activator.deactivate(vg.name, [t.name]);
    }
    // A thin LV's classic snapshots (lvm2 takes them with a size) go before it.
    ({ found: current, vg } = dropSnapshotsOf(ctx, current, vg, t.name, removed));
    vg.lvs = vg.lvs.filter((l) => l.name !== t.name);
    ctx.commit(vg, ctx.pvPaths(current), current.vg);
    current = { ...current, vg };
    vg = cloneVg(vg);
    removed.add(t.name);
    ctx.print(`Logical volume "${t.name}" successfully removed.`);
  }
  const pool = vg.lvs.find((l) => l.name === name)!;
  if (!ctx.activationDisabled && ctx.activeLv(vg.id, pool.id)) await ctx.activator.deactivate(vg.name, [name]);
  const seg = poolSegOf(pool)!;
  vg.lvs = vg.lvs.filter((l) => ![name, seg.pool, seg.metadata].includes(l.name));
  if (!poolsOf(vg).length) {
    const spare = pmspareOf(vg);
    if (spare) vg.lvs = vg.lvs.filter((l) => l !== spare);
  }
  ctx.commit(vg, ctx.pvPaths(current), current.vg);
  await ctx.loadActivation();
  ctx.print(`Logical volume "${name}" successfully removed.`);
  return { rc: 0, found: { ...current, vg } };
}

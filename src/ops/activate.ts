// Activation helpers shared by lvcreate, lvchange, vgchange, lvremove and the resize commands.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { noActivation } from '../activation/activator.ts';
import { lvIsVisible, type LogicalVolume } from '../model/types.ts';
import { snapshotLinks } from '../model/snapshots.ts';
import { finishMerges } from './snapshot-merge.ts';

/** Names of the LVs `vgchange -ay` brings up: the visible ones (snapshots come with their origins). */
export function activatableLvs(found: FoundVg, ignoreSkip = false): string[] {
  return found.vg.lvs.filter((l) => lvIsVisible(found.vg, l) && (ignoreSkip || !hasActivationSkip(l))).map((l) => l.name);
}

/** lvm2's activation skip flag (lvcreate/lvchange -k): activation passes the LV by unless -K. */
export function hasActivationSkip(lv: LogicalVolume): boolean {
  return lv.flags.includes('ACTIVATION_SKIP');
}

export function canActivate(ctx: Ctx): boolean {
  return !ctx.activationDisabled && ctx.activator !== noActivation;
}

/** lvm2's devices/allow_changes_with_duplicate_pvs: off by default. */
export function duplicatesAllowed(ctx: Ctx): boolean {
  return ctx.config.int('devices/allow_changes_with_duplicate_pvs', 0) !== 0;
}

/**
 * lvm2 activates nothing of a VG whose PVs appear on duplicate devices (it could map the wrong
 * copy): one refusal per LV asked for. Returns whether activation was refused.
 */
export function refuseDuplicateActivation(ctx: Ctx, found: FoundVg, names: string[]): boolean {
  if (!found.duplicatePvs || duplicatesAllowed(ctx) || !names.length) return false;
  for (let i = 0; i < names.length; i++) ctx.error(`Cannot activate LVs in VG ${found.vg.name} while PVs appear on duplicate devices.`);
  return true;
}

export async function activateLvs(ctx: Ctx, found: FoundVg, names: string[], readOnly = false): Promise<void> {
  if (!names.length) return;
  if (found.duplicatePvs && !duplicatesAllowed(ctx))
    fail(`Cannot activate LVs in VG ${found.vg.name} while PVs appear on duplicate devices.`, 5, 'PV_DUPLICATE', { vg: found.vg.name });
  await ctx.activator.activate({ vgName: found.vg.name, lvNames: names, devices: ctx.pvPaths(found, true), ...(readOnly ? { readOnly } : {}) });
  // An origin whose snapshot was set to merge has just been rolled back by the activation: the
  // snapshot leaves the metadata quietly, as lvm2's background poll removes it.
  if (snapshotLinks(found.vg).some((l) => l.merging)) await finishMerges(ctx, found.vg.name, false);
}

/** After a metadata change: active LVs of the VG switch to their new tables. */
export async function reloadVg(ctx: Ctx, vgName: string, devices: string[]): Promise<void> {
  if (ctx.activationDisabled) return;
  await ctx.activator.reload(vgName, devices);
}

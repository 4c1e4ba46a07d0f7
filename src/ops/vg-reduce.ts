// Taking PVs out of a VG as an operation (vgreduce): unused PVs named or all of them, or the
// missing PVs (--removemissing, with the LVs on them when forced).
import { segAreas } from '../model/types.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { exportedForCommand, findVgOrFail, vgNotFound } from './select.ts';
import { orphanPvs } from '../metadata/commit.ts';
import { isResizeable, notResizeable } from '../model/limits.ts';

export interface VgReduceOptions {
  /** Device names of the PVs to take out. */
  devices?: string[];
  /** Every PV no LV uses. */
  all?: boolean;
  /** Drop the PVs whose devices are gone (and, with force, the LVs using them). */
  removeMissing?: boolean;
  force?: boolean;
}

/** Returns lvm2's status (5 after printing what could not be removed). */
export async function reduceVg(ctx: Ctx, name: string, o: VgReduceOptions): Promise<number> {
  await ctx.locks.global();
  await ctx.locks.vg(name);
  // lvm2's vgreduce reads the VG by name alone: a name two VGs share is "not found", and so are the PVs.
  if (ctx.scan().isDuplicate(name)) fail([...vgNotFound(name), ...(o.devices ?? []).map((a) => `Failed to find physical volume "${ctx.deviceName(a)}".`)]);
  const named = ctx.scan().get(name);
  // lvm2 goes through the PVs named: each one is in a VG it may not use.
  if (named && exportedForCommand(ctx, named) && o.devices?.length) fail(o.devices.map((a) => `Cannot use PV ${ctx.deviceName(a)} in exported VG ${name}.`), 5, 'VG_EXPORTED', { vg: name });
  // -a: the PVs it goes through are passed over, none being named.
  if (named && exportedForCommand(ctx, named) && o.all) return 0;
  const found = findVgOrFail(ctx, name);
  const vg = cloneVg(found.vg);
  const inUse = (pvId: string) => vg.lvs.some((lv) => lv.segments.some((s) => segAreas(s).some((a) => a.kind === 'pv' && a.pvId === pvId)));
  let targets: string[];
  if (o.removeMissing) {
    const missing = [...found.missing];
    if (!missing.length) {
      ctx.print(`Volume group "${name}" is already consistent.`);
      return 0;
    }
    for (const id of missing) if (inUse(id) && !o.force) fail([`WARNING: Partial LV(s) use the missing PV.`, `Use --force to remove LVs using missing PVs.`]);
    const partial = vg.lvs.filter((lv) => lv.segments.some((s) => segAreas(s).some((a) => a.kind === 'pv' && missing.includes(a.pvId))));
    // What goes from the metadata goes from activation too (the daemon would keep mapping it).
    const active = partial.filter((lv) => ctx.activeLv(vg.id, lv.id));
    if (active.length && !ctx.activationDisabled) await ctx.activator.deactivate(name, active.map((lv) => lv.name));
    vg.lvs = vg.lvs.filter((lv) => !partial.includes(lv));
    vg.pvs = vg.pvs.filter((p) => !missing.includes(p.id));
    ctx.commit(vg, ctx.pvPaths(found, true), found.vg);
    ctx.print(`Wrote out consistent volume group ${name}.`);
    return 0;
  }
  if (o.all) targets = vg.pvs.filter((p) => !inUse(p.id) && found.pvDevices.has(p.id)).map((p) => found.pvDevices.get(p.id)!.path);
  else targets = (o.devices ?? []).map((a) => ctx.deviceName(a));
  let rc = 0;
  for (const path of targets) {
    const pv = vg.pvs.find((p) => found.pvDevices.get(p.id)?.path === path);
    if (!pv) {
      ctx.error(`Physical Volume "${path}" not found in Volume Group "${name}".`);
      rc = 5;
      continue;
    }
    // lvm2 checks the flag for each PV it is asked to remove.
    if (!isResizeable(vg)) {
      ctx.error(notResizeable(vg));
      rc = 5;
      continue;
    }
    if (inUse(pv.id)) {
      ctx.error(`Physical volume "${path}" still in use`);
      rc = 5;
      continue;
    }
    if (vg.pvs.length === 1) {
      ctx.error(`Can't remove final physical volume "${path}" from volume group "${name}"`);
      rc = 5;
      continue;
    }
    const before = cloneVg(vg);
    vg.pvs = vg.pvs.filter((p) => p !== pv);
    ctx.commit(vg, ctx.pvPaths({ ...found, vg }), before);
    orphanPvs(ctx.opener, [path]);
    ctx.print(`Removed "${path}" from volume group "${name}"`);
  }
  return rc;
}

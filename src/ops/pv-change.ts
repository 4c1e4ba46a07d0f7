// Changing PVs as an operation (pvchange -x y|n: allocation allowed or not; --addtag/--deltag).
import { exportedForCommand, rescanVg } from './select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { duplicatesAllowed } from './activate.ts';

export interface PvChangeOptions {
  /** Device names, or every PV when `all`. */
  devices?: string[];
  all?: boolean;
  allocatable?: boolean;
  addTags?: string[];
  delTags?: string[];
}

/** Changes PVs one by one with lvm2's messages and summary; returns lvm2's status. */
export async function changePvs(ctx: Ctx, o: PvChangeOptions): Promise<number> {
  const x = o.allocatable === undefined ? undefined : o.allocatable ? 'y' : 'n';
  const addTags = o.addTags ?? [];
  const delTags = o.delTags ?? [];
  if (x === undefined && !addTags.length && !delTags.length) fail('Please give one or more of -x, -uuid, --addtag, --deltag or --metadataignore', 3, 'INVALID_ARGUMENT');
  const scan = ctx.scan();
  const targets = o.all ? scan.devices.filter((d) => d.label).map((d) => d.path) : (o.devices ?? []).map((p) => ctx.deviceName(p));
  if (!targets.length) fail('Please give a physical volume path or use --select for selection.', 3, 'INVALID_ARGUMENT');
  let done = 0;
  // PVs of VGs this command may not use: neither changed nor counted as not changed.
  let skipped = 0;
  let rc = 0;
  for (const name of targets) {
    const sd = ctx.scan().device(name);
    const f = sd?.label ? ctx.scan().vgOfDevice(sd) : undefined;
    if (!sd?.label) {
      ctx.error(`Failed to find physical volume "${name}".`);
      rc = 5;
      continue;
    }
    if (!f) {
      if (x !== undefined) {
        ctx.error(`Allocatability not supported by orphan lvm2 format PV ${name}`);
        ctx.error(`Physical volume ${name} not changed`);
        rc = 5;
        continue;
      }
      ctx.error(`Can't change tag on Physical Volume ${name} not in volume group`);
      rc = 5;
      continue;
    }
    if (exportedForCommand(ctx, f)) {
      // Named ones are refused; those -a came across are passed over (lvm2's process_each_pv).
      if (!o.all) {
        ctx.error(`Cannot use PV ${name} in exported VG ${f.vg.name}.`);
        rc = 5;
      }
      skipped++;
      continue;
    }
    // lvm2 checks before it writes the PV: a VG with a PV on two devices is not changed.
    if (f.duplicatePvs && !duplicatesAllowed(ctx)) {
      ctx.error(`Cannot update volume group ${f.vg.name} with duplicate PV devices.`);
      ctx.error(`Physical volume ${name} not changed`);
      rc = 5;
      continue;
    }
    await ctx.locks.vg(f.vg.name);
    const vg = cloneVg(rescanVg(ctx, f).vg);
    const pv = vg.pvs.find((p) => p.id === sd.label!.pvId)!;
    let changed = false;
    if (x !== undefined) {
      const want = x === 'y';
      const is = pv.status.includes('ALLOCATABLE');
      if (want && is) ctx.warn(`Physical volume "${name}" is already allocatable.`);
      else if (!want && !is) ctx.warn(`Physical volume "${name}" is already unallocatable.`);
      else {
        pv.status = want ? ['ALLOCATABLE', ...pv.status] : pv.status.filter((s) => s !== 'ALLOCATABLE');
        changed = true;
      }
    }
    for (const t of addTags) if (!pv.tags.includes(t)) (pv.tags.push(t), (changed = true));
    for (const t of delTags) if (pv.tags.includes(t)) ((pv.tags = pv.tags.filter((y) => y !== t)), (changed = true));
    if (!changed) {
      ctx.print(`Physical volume ${name} not changed`);
      continue;
    }
    const cur = ctx.scan().byId(f.vg.id)!;
    ctx.commit(vg, ctx.pvPaths(cur), cur.vg);
    ctx.print(`Physical volume "${name}" changed`);
    done++;
  }
  const notDone = targets.length - done - skipped;
  ctx.print(`${done} physical volume${done === 1 ? '' : 's'} changed / ${notDone} physical volume${notDone === 1 ? '' : 's'} not changed`);
  return rc;
}

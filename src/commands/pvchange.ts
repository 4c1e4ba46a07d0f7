// pvchange -x y|n: allow or forbid allocation on physical volumes; --addtag/--deltag.
import { rescanVg } from '../ops/select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { optAll } from '../ops/args.ts';
import { duplicatesAllowed } from '../ops/activate.ts';

export async function run(ctx: Ctx): Promise<number> {
  const x = ctx.opt('allocatable');
  const addTags = optAll(ctx.args, 'addtag');
  const delTags = optAll(ctx.args, 'deltag');
  if (x === undefined && !addTags.length && !delTags.length) fail('Please give one or more of -x, -uuid, --addtag, --deltag or --metadataignore', 3);
  const scan = ctx.scan();
  const targets = ctx.has('all') ? scan.devices.filter((d) => d.label).map((d) => d.path) : ctx.args.positionals.map((p) => ctx.deviceName(p));
  if (!targets.length) fail('Please give a physical volume path or use --select for selection.', 3);
  let done = 0;
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
  const notDone = targets.length - done;
  ctx.print(`${done} physical volume${done === 1 ? '' : 's'} changed / ${notDone} physical volume${notDone === 1 ? '' : 's'} not changed`);
  return rc;
}

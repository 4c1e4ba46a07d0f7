// lvchange -a y|n (activation), -p r|rw (permission), --refresh.
import type { Ctx } from '../ops/context.ts';
import { findVgOrFail, lvTargets } from '../ops/select.ts';
import { changeLv } from '../ops/lv-change.ts';
import { optAll } from '../ops/args.ts';
import { lvSelectable } from '../ops/lv-remove.ts';
import { activateLvs, hasActivationSkip, refuseDuplicateActivation, reloadVg } from '../ops/activate.ts';
import { snapshotOfCow, snapshotsOfOrigin } from '../model/snapshots.ts';
import type { VolumeGroup } from '../model/types.ts';

/** (De)activating a snapshot changes its origin's whole family: lvm2 asks first (-y skips it). */
function confirmSnapshotChange(ctx: Ctx, vg: VolumeGroup, lvName: string): boolean {
  const link = snapshotOfCow(vg, lvName);
  if (!link) return true;
  const others = snapshotsOfOrigin(vg, link.origin).length - 1;
  const more = others > 0 ? ` and ${others} other snapshot(s)` : '';
  return ctx.prompt(`Change of snapshot ${vg.name}/${lvName} will also change its origin ${vg.name}/${link.origin}${more}. Proceed? [y/n]: `);
}

export async function run(ctx: Ctx): Promise<number> {
  const act = ctx.opt('activate');
  const perm = ctx.opt('permission');
  let rc = 0;
  // A VG name stands for its LVs, @tag for the LVs tagged (or in a VG tagged), as process_each_lv.
  const picked = lvTargets(ctx, ctx.args.positionals, (l, f) => lvSelectable(l, f.vg));
  rc = picked.rc;
  const addTags = optAll(ctx.args, 'addtag');
  const delTags = optAll(ctx.args, 'deltag');
  for (const s of picked.targets) {
    await ctx.locks.vg(s.vg);
    const found = findVgOrFail(ctx, s.vg);
    const lv = found.vg.lvs.find((l) => l.name === s.lv);
    if (!lv) {
      ctx.error(`Failed to find logical volume "${s.vg}/${s.lv}"`);
      rc = 5;
      continue;
    }
    const skip = ctx.opt('setactivationskip');
    if ((await changeLv(ctx, found, s.lv, { ...(perm === 'r' || perm === 'rw' ? { permission: perm } : {}), ...(skip !== undefined ? { activationSkip: skip === 'y' } : {}), addTags, delTags })) !== 0) rc = 5;
    if (act !== undefined && !confirmSnapshotChange(ctx, found.vg, s.lv)) {
      ctx.error(`Logical volume ${s.vg}/${s.lv} not changed.`);
      rc = 5;
      continue;
    }
    if (act !== undefined && !act.endsWith('n') && refuseDuplicateActivation(ctx, found, [s.lv])) {
      rc = 5;
      continue;
    }
    // An LV flagged to be skipped (by this command's -k y too) is passed by quietly unless -K says otherwise.
    const skipped = skip !== undefined ? skip === 'y' : hasActivationSkip(lv);
    if (act !== undefined && !act.endsWith('n') && skipped && !ctx.has('ignoreactivationskip')) continue;
    if (act !== undefined && !ctx.activationDisabled) {
      if (act.endsWith('n')) await ctx.activator.deactivate(s.vg, [s.lv]);
      else await activateLvs(ctx, ctx.scan(true).get(s.vg)!, [s.lv]);
    }
    if (ctx.has('refresh')) await reloadVg(ctx, s.vg, ctx.pvPaths(found));
  }
  return rc;
}

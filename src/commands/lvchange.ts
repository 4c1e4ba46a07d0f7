// lvchange -a y|n (activation), -p r|rw (permission), --refresh.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { splitLvName, findVgOrFail, findVgOrSay } from '../ops/select.ts';
import { lvSelectable } from '../ops/lv-remove.ts';
import { activateLvs, refuseDuplicateActivation, reloadVg } from '../ops/activate.ts';
import { cloneVg } from '../model/clone.ts';
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
  // A VG name stands for its LVs (lvm2's process_each_lv): every one a user can name, in order.
  const targets: { vg: string; lv: string }[] = [];
  for (const arg of ctx.args.positionals) {
    const s = splitLvName(arg);
    if (s) targets.push(s);
    else if (!arg.replace(/^\/dev\//, '').includes('/')) {
      const f = findVgOrSay(ctx, arg.replace(/^\/dev\//, ''));
      if (!f) rc = 5;
      else for (const l of f.vg.lvs.filter((x) => lvSelectable(x, f.vg))) targets.push({ vg: f.vg.name, lv: l.name });
    } else fail(`"${arg}": Invalid path for Logical Volume.`, 3);
  }
  for (const s of targets) {
    await ctx.locks.vg(s.vg);
    const found = findVgOrFail(ctx, s.vg);
    const lv = found.vg.lvs.find((l) => l.name === s.lv);
    if (!lv) {
      ctx.error(`Failed to find logical volume "${s.vg}/${s.lv}"`);
      rc = 5;
      continue;
    }
    if (perm !== undefined) {
      const want = perm === 'r' ? ['READ', 'VISIBLE'] : ['READ', 'WRITE', 'VISIBLE'];
      const has = lv.status.includes('WRITE');
      if ((perm === 'r' && !has) || (perm === 'rw' && has)) {
        ctx.error(`Logical volume ${s.vg}/${s.lv} is already ${perm === 'r' ? 'read only' : 'writable'}.`);
        rc = 5;
      } else {
        const vg = cloneVg(found.vg);
        const l = vg.lvs.find((x) => x.name === s.lv)!;
        l.status = l.status.filter((w) => w !== 'READ' && w !== 'WRITE' && w !== 'VISIBLE');
        l.status = [...want.filter((w) => w !== 'VISIBLE' || lv.status.includes('VISIBLE')), ...l.status];
        ctx.commit(vg, ctx.pvPaths(found), found.vg);
        await reloadVg(ctx, s.vg, ctx.pvPaths(found));
        ctx.print(`Logical volume ${s.vg}/${s.lv} changed.`);
      }
    }
    if (act !== undefined && !confirmSnapshotChange(ctx, found.vg, s.lv)) {
      ctx.error(`Logical volume ${s.vg}/${s.lv} not changed.`);
      rc = 5;
      continue;
    }
    if (act !== undefined && !act.endsWith('n') && refuseDuplicateActivation(ctx, found, [s.lv])) {
      rc = 5;
      continue;
    }
    if (act !== undefined && !ctx.activationDisabled) {
      if (act.endsWith('n')) await ctx.activator.deactivate(s.vg, [s.lv]);
      else await activateLvs(ctx, ctx.scan(true).get(s.vg)!, [s.lv]);
    }
    if (ctx.has('refresh')) await reloadVg(ctx, s.vg, ctx.pvPaths(found));
  }
  return rc;
}

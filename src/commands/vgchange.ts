// vgchange: attribute changes (-x, --addtag/--deltag, -l/-p, --alloc, --uuid); activation comes with the daemon.
import { eachVg, rescanVg } from '../ops/select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';
import { optAll } from '../ops/args.ts';
import { generateId } from '../formats/uuid.ts';
import { activatableLvs, activateLvs, canActivate, refuseDuplicateActivation } from '../ops/activate.ts';
import { snapshotLinks } from '../model/snapshots.ts';
import { handlesMissingPvs } from '../ops/handles-missing.ts';
import { markMissingPvs } from '../ops/missing-pvs.ts';
import { isResizeable, setMaxLvProblem, setMaxPvProblem } from '../model/limits.ts';

/** A change lvm2 refuses: its message, nothing written, and the next VG named is still processed. */
function failVg(ctx: Ctx, msg: string): number {
  ctx.error(msg);
  return 5;
}

export async function run(ctx: Ctx): Promise<number> {
  const act = ctx.opt('activate');
  return eachVg(ctx, ctx.args.positionals, async (f) => {
    const name = f.vg.name;
    if (act !== undefined) {
      // Given no names, lvm2 goes through every VG, two of one name too (its vg_read warns then).
      if (!ctx.args.positionals.length && ctx.scan().isDuplicate(name)) ctx.warn('WARNING: activating multiple VGs with the same name is dangerous and may fail.');
      const refused = !act.endsWith('n') && refuseDuplicateActivation(ctx, f, activatableLvs(f, ctx.has('ignoreactivationskip')));
      if (!ctx.activationDisabled && !refused) {
        if (act.endsWith('n')) await ctx.activator.deactivate(name, f.vg.lvs.map((l) => l.name));
        else if (canActivate(ctx)) {
          // Origins with a merging snapshot: lvm2 starts its merge poll for each one it activates.
          const before = await ctx.loadActivation();
          const merging = snapshotLinks(f.vg).filter((l) => l.merging && !before.some((a) => a.vgId === f.vg.id && a.lvName === l.origin)).length;
          await activateLvs(ctx, f, activatableLvs(f, ctx.has('ignoreactivationskip')));
          if (merging) ctx.print(`Background polling started for ${merging} logical volume(s) in volume group "${name}"`);
        }
      }
      const active = (await ctx.loadActivation()).filter((a) => a.vgId === f.vg.id).length;
      ctx.print(`${active} logical volume(s) in volume group "${name}" now active`);
      return refused ? 5 : 0;
    }
    await ctx.locks.vg(name);
    const cur = rescanVg(ctx, f);
    const vg = cloneVg(cur.vg);
    const x = ctx.opt('resizeable');
    if (x !== undefined) {
      if ((x === 'y') === isResizeable(vg)) return failVg(ctx, `Volume group "${name}" is already ${x === 'y' ? '' : 'not '}resizeable`);
      vg.status = x === 'y' ? [...new Set(['RESIZEABLE', ...vg.status])] : vg.status.filter((s) => s !== 'RESIZEABLE');
    }
    for (const t of optAll(ctx.args, 'addtag')) if (!vg.tags.includes(t)) vg.tags.push(t);
    for (const t of optAll(ctx.args, 'deltag')) vg.tags = vg.tags.filter((y) => y !== t);
    const l = ctx.opt('logicalvolume');
    if (l !== undefined) {
      const problem = setMaxLvProblem(vg, parseInt(l, 10));
      if (problem) return failVg(ctx, problem);
      vg.maxLv = parseInt(l, 10);
    }
    const p = ctx.opt('maxphysicalvolumes');
    if (p !== undefined) {
      const problem = setMaxPvProblem(vg, parseInt(p, 10));
      if (problem) return failVg(ctx, problem);
      vg.maxPv = parseInt(p, 10);
    }
    const alloc = ctx.opt('alloc');
    if (alloc === 'inherit') return failVg(ctx, 'Volume Group allocation policy cannot inherit from anything');
    if (alloc !== undefined) vg.allocationPolicy = alloc;
    const mc = ctx.opt('vgmetadatacopies');
    if (mc !== undefined) vg.metadataCopies = mc === 'all' || mc === 'unmanaged' ? 0 : parseInt(mc, 10);
    if (ctx.has('uuid')) vg.id = generateId();
    // Tags and profiles may change while PVs are missing (lvm2's partial-safe changes); the rest may not.
    const partial = handlesMissingPvs(ctx.args);
    const warnings = partial ? markMissingPvs(vg, cur) : [];
    ctx.commit(vg, ctx.pvPaths(cur, partial), cur.vg);
    for (const w of warnings) ctx.warn(w);
    ctx.print(`Volume group "${name}" successfully changed`);
    return 0;
  });
}

// vgchange: attribute changes (-x, --addtag/--deltag, -l/-p, --alloc, --uuid); activation comes with the daemon.
import { eachNamedVg } from './select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { optAll } from '../cli/parsed.ts';
import { generateId } from '../formats/uuid.ts';
import { activatableLvs, activateLvs, canActivate } from './activate.ts';
import { snapshotLinks } from '../model/snapshots.ts';
import { handlesMissingPvs } from './handles-missing.ts';
import { markMissingPvs } from './missing-pvs.ts';

export async function run(ctx: Ctx): Promise<number> {
  const scan = ctx.scan();
  const names = ctx.args.positionals.length ? ctx.args.positionals : scan.vgNames();
  const act = ctx.opt('activate');
  return eachNamedVg(ctx, names, async (f) => {
    const name = f.vg.name;
    if (act !== undefined) {
      if (!ctx.activationDisabled) {
        if (act.endsWith('n')) await ctx.activator.deactivate(name, f.vg.lvs.map((l) => l.name));
        else if (canActivate(ctx)) {
          // Origins with a merging snapshot: lvm2 starts its merge poll for each one it activates.
          const before = await ctx.loadActivation();
          const merging = snapshotLinks(f.vg).filter((l) => l.merging && !before.some((a) => a.vgId === f.vg.id && a.lvName === l.origin)).length;
          await activateLvs(ctx, f, activatableLvs(f));
          if (merging) ctx.print(`Background polling started for ${merging} logical volume(s) in volume group "${name}"`);
        }
      }
      const active = (await ctx.loadActivation()).filter((a) => a.vgId === f.vg.id).length;
      ctx.print(`${active} logical volume(s) in volume group "${name}" now active`);
      return 0;
    }
    await ctx.locks.vg(name);
    const cur = ctx.scan(true).get(name)!;
    const vg = cloneVg(cur.vg);
    const x = ctx.opt('resizeable');
    if (x !== undefined) vg.status = x === 'y' ? [...new Set(['RESIZEABLE', ...vg.status])] : vg.status.filter((s) => s !== 'RESIZEABLE');
    for (const t of optAll(ctx.args, 'addtag')) if (!vg.tags.includes(t)) vg.tags.push(t);
    for (const t of optAll(ctx.args, 'deltag')) vg.tags = vg.tags.filter((y) => y !== t);
    const l = ctx.opt('logicalvolume');
    if (l !== undefined) vg.maxLv = parseInt(l, 10);
    const p = ctx.opt('maxphysicalvolumes');
    if (p !== undefined) vg.maxPv = parseInt(p, 10);
    const alloc = ctx.opt('alloc');
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

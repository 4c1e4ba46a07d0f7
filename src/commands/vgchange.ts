// vgchange: activation (-a) and attribute changes (-x, --addtag/--deltag, -l/-p, --alloc, --uuid).
import { forEachVg } from '../ops/select.ts';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { optAll } from '../ops/args.ts';
import { activatableLvs, activateLvs, canActivate, refuseDuplicateActivation } from '../ops/activate.ts';
import { snapshotLinks } from '../model/snapshots.ts';
import { lvIsVisible } from '../model/types.ts';
import { changeVg } from '../ops/vg-change.ts';

const HELP = "Run `vgchange --help' for more information.";

export async function run(ctx: Ctx): Promise<number> {
  const act = ctx.opt('activate');
  // lvm2's vgchange_single argument checks before any VG is read.
  if (act !== undefined && act.endsWith('n') && (ctx.has('monitor') || ctx.has('poll'))) fail(['Only -ay* allowed with --monitor or --poll.', HELP], 3, 'INVALID_ARGUMENT');
  if (ctx.has('poll') && ctx.has('sysinit')) fail(['Only one of --poll and --sysinit permitted.', HELP], 3, 'INVALID_ARGUMENT');
  return forEachVg(ctx, ctx.args.positionals, async (f) => {
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
      // lvm2 counts the visible LVs (lvs_in_vg_activated): a pool's data and metadata LVs are not.
      const active = (await ctx.loadActivation()).filter((a) => {
        const lv = a.vgId === f.vg.id ? f.vg.lvs.find((l) => l.id === a.lvId) : undefined;
        return lv !== undefined && lvIsVisible(f.vg, lv);
      }).length;
      ctx.print(`${active} logical volume(s) in volume group "${name}" now active`);
      return refused ? 5 : 0;
    }
    const mc = ctx.opt('vgmetadatacopies');
    const int = (k: string) => (ctx.opt(k) !== undefined ? parseInt(ctx.opt(k)!, 10) : undefined);
    const maxLv = int('logicalvolume');
    const maxPv = int('maxphysicalvolumes');
    const alloc = ctx.opt('alloc');
    const x = ctx.opt('resizeable');
    return changeVg(ctx, f, {
      ...(x !== undefined ? { resizeable: x === 'y' } : {}),
      addTags: optAll(ctx.args, 'addtag'),
      delTags: optAll(ctx.args, 'deltag'),
      ...(maxLv !== undefined ? { maxLv } : {}),
      ...(maxPv !== undefined ? { maxPv } : {}),
      ...(alloc !== undefined ? { alloc } : {}),
      ...(mc !== undefined ? { metadataCopies: mc === 'all' || mc === 'unmanaged' ? 0 : parseInt(mc, 10) } : {}),
      newUuid: ctx.has('uuid'),
    });
  });
}

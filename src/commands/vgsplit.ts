// vgsplit: move PVs (or those an LV uses) and their LVs into a new or existing VG.
import type { Ctx } from '../ops/context.ts';
import { splitVg } from '../ops/vg-split.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [from, to, ...pvs] = ctx.args.positionals.map((a, i) => (i < 2 ? a.replace(/^\/dev\//, '') : a));
  const int = (o: string) => (ctx.opt(o) !== undefined ? parseInt(ctx.opt(o)!, 10) || 0 : undefined);
  const maxLv = int('maxlogicalvolumes');
  const maxPv = int('maxphysicalvolumes');
  const mc = ctx.opt('vgmetadatacopies');
  const alloc = ctx.opt('alloc');
  const lv = ctx.opt('name');
  await splitVg(ctx, {
    from: from!,
    to: to!,
    pvs,
    ...(lv !== undefined ? { lv } : {}),
    ...(maxLv !== undefined ? { maxLv } : {}),
    ...(maxPv !== undefined ? { maxPv } : {}),
    ...(alloc !== undefined ? { alloc } : {}),
    ...(mc !== undefined ? { metadataCopies: mc === 'all' || mc === 'unmanaged' ? 0 : parseInt(mc, 10) } : {}),
    clustered: ctx.has('clustered'),
  });
  return 0;
}

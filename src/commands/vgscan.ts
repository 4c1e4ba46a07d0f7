// vgscan: list the volume groups found on the devices (tools/vgscan.c).
import type { Ctx } from '../ops/context.ts';
import { sayUnlessSilent } from './display/out.ts';
import { eachVg } from './display/walk-vg.ts';

export async function run(ctx: Ctx): Promise<number> {
  if (ctx.has('cache')) {
    ctx.warn('Ignoring vgscan --cache command because lvmetad is no longer used.');
    return 0;
  }
  const rc = await eachVg(ctx, (f) => {
    const exported = f.vg.status.includes('EXPORTED') ? 'exported ' : '';
    sayUnlessSilent(ctx, `Found ${exported}volume group "${f.vg.name}" using metadata type lvm2`);
  });
  if (!ctx.has('mknodes')) return rc;
  const { mknodes } = await import('./vgmknodes.ts');
  return Math.max(rc, await mknodes(ctx, []));
}

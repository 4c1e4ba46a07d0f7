// vgimport: take exported VGs back (named ones, or every VG with -a).
import type { Ctx } from '../ops/context.ts';
import { forEachVg } from '../ops/select.ts';
import { importVg } from '../ops/vg-export.ts';

export async function run(ctx: Ctx): Promise<number> {
  if (ctx.has('force')) ctx.warn('WARNING: Volume groups with missing PVs will be imported with --force.');
  return forEachVg(ctx, ctx.has('all') ? [] : ctx.args.positionals, (f) => importVg(ctx, f));
}

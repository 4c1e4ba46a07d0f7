// vgexport: mark VGs exported (named ones, or every VG with -a).
import type { Ctx } from '../ops/context.ts';
import { forEachVg } from '../ops/select.ts';
import { exportVg } from '../ops/vg-export.ts';

export async function run(ctx: Ctx): Promise<number> {
  return forEachVg(ctx, ctx.has('all') ? [] : ctx.args.positionals, (f) => exportVg(ctx, f));
}

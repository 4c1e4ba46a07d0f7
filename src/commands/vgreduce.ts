// vgreduce: remove unused physical volumes from a volume group.
import type { Ctx } from '../ops/context.ts';
import { reduceVg } from '../ops/vg-reduce.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  return reduceVg(ctx, name!, { devices: pvArgs, all: ctx.has('all'), removeMissing: ctx.has('removemissing'), force: ctx.has('force') });
}

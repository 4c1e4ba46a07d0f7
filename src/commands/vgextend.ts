// vgextend: add physical volumes to a volume group.
import type { Ctx } from '../ops/context.ts';
import { extendVg } from '../ops/vg-extend.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  await extendVg(ctx, name!, pvArgs);
  return 0;
}

// pvremove: wipe the LVM label off orphan physical volumes.
import type { Ctx } from '../ops/context.ts';
import { removePvs } from '../ops/pv-remove.ts';

export async function run(ctx: Ctx): Promise<number> {
  return removePvs(ctx, ctx.args.positionals);
}

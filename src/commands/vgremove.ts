// vgremove: remove volume groups (and with -f or a yes, their logical volumes).
import type { Ctx } from '../ops/context.ts';
import { removeVg } from '../ops/vg-remove.ts';

export async function run(ctx: Ctx): Promise<number> {
  let rc = 0;
  for (const name of ctx.args.positionals) if ((await removeVg(ctx, name)) !== 0) rc = 5;
  return rc;
}

// pvcreate: initialise devices as physical volumes.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { parseId } from '../formats/uuid.ts';
import { pvCreateOptions, pvcreate } from '../ops/pv-create.ts';

export async function run(ctx: Ctx): Promise<number> {
  const o = pvCreateOptions(ctx);
  const u = ctx.opt('uuid');
  if (u !== undefined) {
    const id = parseId(u);
    if (!id) fail(`Invalid UUID ${u}`, 3);
    o.uuid = id;
  }
  const r = await pvcreate(ctx, ctx.args.positionals, o);
  return r.failed.length ? 5 : 0;
}

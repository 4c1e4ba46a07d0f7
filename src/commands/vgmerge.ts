// vgmerge: merge one or more VGs into the first one named.
import type { Ctx } from '../ops/context.ts';
import { mergeVg } from '../ops/vg-merge.ts';
import { UlvmError } from '../errors.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [to, ...froms] = ctx.args.positionals.map((a) => a.replace(/^\/dev\//, ''));
  await ctx.locks.global();
  let rc = 0;
  // Each source on its own, as lvm2 goes on with the next after a failure.
  for (const from of froms) {
    try {
      await mergeVg(ctx, to!, from);
    } catch (e) {
      if (!(e instanceof UlvmError) || froms.length === 1) throw e;
      for (const l of e.lines) ctx.error(l);
      rc = Math.max(rc, e.rc);
    }
  }
  return rc;
}

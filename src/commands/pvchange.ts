// pvchange -x y|n: allow or forbid allocation on physical volumes; --addtag/--deltag.
import type { Ctx } from '../ops/context.ts';
import { optAll } from '../ops/args.ts';
import { changePvs } from '../ops/pv-change.ts';

export async function run(ctx: Ctx): Promise<number> {
  const x = ctx.opt('allocatable');
  return changePvs(ctx, {
    devices: ctx.args.positionals,
    all: ctx.has('all'),
    ...(x !== undefined ? { allocatable: x === 'y' } : {}),
    addTags: optAll(ctx.args, 'addtag'),
    delTags: optAll(ctx.args, 'deltag'),
  });
}

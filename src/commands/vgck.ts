// vgck: check VG metadata consistency (every copy readable, same seqno, structure valid); the
// scan has already printed lvm2's warnings. --updatemetadata rewrites stale or damaged copies.
import { forEachVg } from '../ops/select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from '../ops/context.ts';

export async function run(ctx: Ctx): Promise<number> {
  const scan = ctx.scan();
  const rc = await forEachVg(ctx, ctx.args.positionals, async (f) => {
    const bad = [...f.pvDevices.values()].filter((d) => d.mdas.some((m) => m.problem || (m.seqno !== undefined && m.seqno !== f.vg.seqno)));
    if (ctx.has('updatemetadata') && (bad.length || f.inconsistent)) {
      await ctx.locks.vg(f.vg.name);
      for (const d of bad) ctx.warn(`WARNING: updating old metadata to ${f.vg.seqno + 1} on ${d.path} for VG ${f.vg.name}.`);
      ctx.commit(cloneVg(f.vg), ctx.pvPaths(f), f.vg, { repair: true });
    }
    return f.missing.size ? 5 : 0;
  });
  return scan.problems.length ? 5 : rc;
}

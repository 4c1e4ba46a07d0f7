// vgck: check VG metadata consistency (every copy readable, same seqno, structure valid).
import { findVgOrSay } from './select.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { formatId } from '../formats/uuid.ts';

export async function run(ctx: Ctx): Promise<number> {
  const scan = ctx.scan();
  let rc = 0;
  if (scan.problems.length) rc = 5;
  const names = ctx.args.positionals.length ? ctx.args.positionals : scan.vgNames();
  for (const name of names) {
    const f = findVgOrSay(ctx, name);
    if (!f) {
      rc = 5;
      continue;
    }
    for (const id of f.missing) {
      ctx.warn(`WARNING: Couldn't find device with uuid ${formatId(id)}.`);
      rc = 5;
    }
    const bad = [...f.pvDevices.values()].filter((d) => d.mdas.some((m) => m.problem || (m.seqno !== undefined && m.seqno !== f.vg.seqno)));
    if (ctx.has('updatemetadata') && (bad.length || f.inconsistent)) {
      await ctx.locks.vg(name);
      const vg = cloneVg(f.vg);
      for (const d of bad) ctx.warn(`WARNING: updating old metadata to ${f.vg.seqno + 1} on ${d.path} for VG ${name}.`);
      ctx.commit(vg, ctx.pvPaths(f), f.vg, { repair: true });
    }
  }
  return rc;
}

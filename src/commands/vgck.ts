// vgck: check VG metadata consistency (every copy readable, same seqno, structure valid).
import type { Ctx } from './context.ts';
import { formatId } from '../formats/uuid.ts';

export async function run(ctx: Ctx): Promise<number> {
  const scan = ctx.scan();
  let rc = 0;
  for (const p of scan.problems) {
    ctx.error(p.message);
    rc = 5;
  }
  for (const d of scan.devices) for (const m of d.mdas) if (m.problem) (ctx.error(m.problem), (rc = 5));
  const names = ctx.args.positionals.length ? ctx.args.positionals : scan.vgNames();
  for (const name of names) {
    const f = scan.get(name);
    if (!f) {
      ctx.error(`Volume group "${name}" not found`);
      ctx.error(`Cannot process volume group ${name}`);
      rc = 5;
      continue;
    }
    for (const id of f.missing) {
      ctx.warn(`WARNING: Couldn't find device with uuid ${formatId(id)}.`);
      rc = 5;
    }
    if (f.inconsistent) {
      ctx.warn(`WARNING: Inconsistent metadata found for VG ${name}.`);
      rc = 5;
    }
  }
  return rc;
}

// pvck: check the label and metadata areas of physical volumes.
import type { Ctx } from '../ops/context.ts';
import { scanDevice } from '../metadata/scan.ts';

export async function run(ctx: Ctx): Promise<number> {
  let rc = 0;
  for (const arg of ctx.args.positionals) {
    const name = ctx.deviceName(arg);
    if (!ctx.opener.exists(name)) {
      ctx.error(`Cannot use ${name}: device not found`);
      rc = 5;
      continue;
    }
    const sd = scanDevice(ctx.opener, name);
    for (const r of sd.labelRejected) {
      ctx.error(`${name}: bad label in sector ${r.sector}: ${r.problem}`);
      rc = 5;
    }
    if (!sd.label) {
      ctx.error(`Could not find LVM label on ${name}`);
      rc = 5;
      continue;
    }
    ctx.print(`Found label on ${name}, sector ${sd.label.sector}, type=LVM2 001`);
    for (const m of sd.mdas) {
      if (m.problem) {
        ctx.error(m.problem);
        rc = 5;
        continue;
      }
      ctx.print(`Found text metadata area: offset=${m.offset}, size=${m.size}`);
    }
  }
  return rc;
}

// pvremove: wipe the LVM label off orphan physical volumes.
import type { Ctx } from './context.ts';
import { removePvLabel } from '../metadata/pv-write.ts';

export async function run(ctx: Ctx): Promise<number> {
  await ctx.locks.global();
  const names = ctx.args.positionals.map((p) => ctx.deviceName(p));
  if (ctx.usesDevicesFile()) ctx.alsoScan(names.filter((n) => ctx.opener.exists(n)));
  let rc = 0;
  for (const name of names) {
    const sd = ctx.scan().device(name);
    if (!sd || sd.error === 'device not found') {
      ctx.error(`No device found for ${name}.`);
      rc = 5;
      continue;
    }
    if (!sd.label) {
      ctx.error(`No PV found on device ${name}.`);
      rc = 5;
      continue;
    }
    const owner = ctx.scan().vgOfDevice(sd);
    if (owner && ctx.count('force') < 2) {
      ctx.error(`PV ${name} is used by VG ${owner.vg.name} so please use vgreduce first.`);
      ctx.error('(If you are certain you need pvremove, then confirm by using --force twice.)');
      ctx.error(`${name}: physical volume label not removed.`);
      rc = 5;
      continue;
    }
    if (owner) {
      if (!ctx.prompt(`Really WIPE LABELS from physical volume "${name}" of volume group "${owner.vg.name}" [y/n]? `)) {
        ctx.error(`${name}: physical volume label not removed.`);
        rc = 5;
        continue;
      }
      ctx.warn(`WARNING: Wiping physical volume label from ${name} of volume group "${owner.vg.name}".`);
    }
    removePvLabel(ctx.opener, name);
    ctx.addToDevicesFile([]);
    ctx.print(`Labels on physical volume "${name}" successfully wiped.`);
  }
  return rc;
}

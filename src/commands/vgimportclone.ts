// vgimportclone: new PV and VG uuids and a new name for a VG on cloned devices.
import type { Ctx } from '../ops/context.ts';
import { importCloneVg } from '../ops/vg-import-clone.ts';

export async function run(ctx: Ctx): Promise<number> {
  const base = ctx.opt('basevgname');
  await importCloneVg(ctx, {
    devices: ctx.args.positionals,
    ...(base !== undefined ? { baseVgName: base } : {}),
    import: ctx.has('import'),
    importDevices: ctx.has('importdevices'),
  });
  return 0;
}

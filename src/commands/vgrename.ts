// vgrename: rename a volume group (by name or by VG uuid).
import type { Ctx } from '../ops/context.ts';
import { renameVg } from '../ops/vg-rename.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [oldArg, newName] = ctx.args.positionals as [string, string];
  await renameVg(ctx, oldArg, newName);
  return 0;
}

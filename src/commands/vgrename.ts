// vgrename: rename a volume group (by name or by VG uuid).
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { checkNewVgName } from './vgcreate.ts';
import { parseId } from '../formats/uuid.ts';
import { reloadVg } from './activate.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [oldArg, newName] = ctx.args.positionals as [string, string];
  await ctx.locks.global();
  const byId = parseId(oldArg);
  const found = ctx.scan().get(oldArg) ?? (byId ? ctx.scan().all().find((f) => f.vg.id === byId) : undefined);
  if (!found) fail([`Volume group "${oldArg}" not found`, `Cannot process volume group ${oldArg}`], 5, 'VG_NOT_FOUND', { vg: oldArg });
  const oldName = found.vg.name;
  if (oldName === newName) fail(`Old and new volume group names need to differ`, 5);
  checkNewVgName(ctx, newName);
  if (ctx.scan().get(newName)) fail(`New volume group "${newName}" already exists`, 5, 'INVALID_NAME', { vg: newName });
  await ctx.locks.vg(oldName);
  await ctx.locks.vg(newName);
  const vg = cloneVg(found.vg);
  vg.name = newName;
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, oldName, ctx.pvPaths(found));
  ctx.print(`Volume group "${oldName}" successfully renamed to "${newName}"`);
  return 0;
}

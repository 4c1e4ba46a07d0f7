// Renaming a VG as an operation (vgrename): by name or by VG uuid.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { checkNewVgName } from './vg-create.ts';
import { formatId, parseId } from '../formats/uuid.ts';
import { reloadVg } from './activate.ts';
import { duplicateVgName, vgNotFound } from './select.ts';
import type { FoundVg } from '../metadata/scan.ts';

/**
 * The VG the first argument names: a name, or (vgrename alone allows it, lvm2's
 * ALLOW_UUID_AS_NAME) a VG uuid, which is how lvm2 tells users to rename one of two VGs that
 * share a name.
 */
function oldVg(ctx: Ctx, arg: string): { found: FoundVg; byUuid: boolean } {
  const scan = ctx.scan();
  if (scan.isDuplicate(arg)) fail(duplicateVgName(arg));
  const named = scan.get(arg);
  if (named) return { found: named, byUuid: false };
  const id = parseId(arg);
  const found = id ? scan.byId(id) : undefined;
  if (!found) fail(vgNotFound(arg), 5, 'VG_NOT_FOUND', { vg: arg });
  ctx.print(`Processing VG ${found.vg.name} because of matching UUID ${formatId(found.vg.id)}`);
  return { found, byUuid: true };
}

/**
 * Renames a VG given by name or by uuid (how lvm2 tells two VGs of one name apart); active LVs
 * follow live.
 */
export async function renameVg(ctx: Ctx, oldArg: string, newName: string): Promise<void> {
  // lvm2's validate_vg_rename_params comes before any VG is looked at.
  checkNewVgName(ctx, newName);
  if (oldArg === newName) fail(`Old and new volume group names must differ`, 5);
  await ctx.locks.global();
  const { found, byUuid } = oldVg(ctx, oldArg);
  const oldName = found.vg.name;
  if (byUuid && oldName === newName) fail('New VG name must differ from the old VG name.');
  const scan = ctx.scan();
  if (scan.has(newName)) fail(`New VG name "${newName}" already exists`, 5, 'INVALID_NAME', { vg: newName });
  const newId = parseId(newName);
  const clash = newId ? scan.byId(newId) : undefined;
  if (clash) fail(`New VG name "${newName}" matches the UUID of existing VG ${clash.vg.name}`);
  await ctx.locks.vg(oldName);
  await ctx.locks.vg(newName);
  const vg = cloneVg(found.vg);
  vg.name = newName;
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, oldName, ctx.pvPaths(found));
  // lvm2 names the VG as the user did: the uuid, when renamed by uuid.
  ctx.print(`Volume group "${oldArg}" successfully renamed to "${newName}"`);
}

// vgmknodes [VG|LV ...] (and vgscan --mknodes): /dev/VG/LV and /dev/mapper/VG-LV for active LVs,
// as links to the daemon's device-tree files, so that lvm2's paths work with ulvm's volumes.
import type { Ctx } from '../ops/context.ts';
import { daemonPaths } from '../daemon/paths.ts';
import { splitLvName, findVgOrSay } from '../ops/select.ts';
import { refreshDevLinks } from '../ops/dev-links.ts';

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = { EACCES: 'Permission denied', EPERM: 'Operation not permitted', EROFS: 'Read-only file system', ENOSPC: 'No space left on device' };
  return (err.code && words[err.code]) || err.message;
}

/** Makes the links; returns lvm2's exit code. */
export async function mknodes(ctx: Ctx, names: string[]): Promise<number> {
  let rc = 0;
  const vgNames: string[] = [];
  for (const n of names) {
    const vg = splitLvName(n)?.vg ?? n.replace(/^\/dev\//, '').replace(/\/$/, '');
    if (vgNames.includes(vg)) continue;
    if (!findVgOrSay(ctx, vg)) rc = 5;
    else vgNames.push(vg);
  }
  if (names.length && !vgNames.length) return rc;
  const active = ctx.activationDisabled ? [] : await ctx.loadActivation();
  const scoped = active.filter((a) => !names.length || vgNames.includes(a.vgName));
  for (const a of scoped)
    if (!a.devicePath) ctx.warn(`WARNING: ${a.vgName}/${a.lvName} has no file in a device tree to link to (the daemon serves it over NBD only; files need root and /dev/fuse).`);
  const tree = ctx.config.str('daemon/device_tree', daemonPaths(ctx.paths.runDir).tree);
  try {
    const r = refreshDevLinks(scoped, tree, names.length ? vgNames : undefined);
    for (const w of r.warnings) ctx.warn(w);
    for (const c of r.created) ctx.verbose(1, `Linking ${c} to ulvm's device tree.`);
    for (const c of r.removed) ctx.verbose(1, `Removing stale link ${c}.`);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    ctx.error(`${err.path ?? '/dev'}: ${err.syscall ?? 'link'} failed: ${errnoText(e)}`);
    return 5;
  }
  return rc;
}

export async function run(ctx: Ctx): Promise<number> {
  return mknodes(ctx, ctx.args.positionals);
}

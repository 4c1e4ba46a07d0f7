// lvresize -r: what lvm2 2.03.16's lv_resize does around fsadm (lib/metadata/lv_manip.c:
// _request_confirmation, _fsadm_cmd). The LV must be active; unless -n, `fsadm check` first (a
// mounted filesystem skips it: status 3); a reduce shrinks the filesystem before the LV is
// touched; an extend grows it once the LV has grown and been reported resized.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { ProcessIo } from './io.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { lvPaths } from './lv-paths.ts';
import { FSADM_CHECK_FAILS_FOR_MOUNTED, fsadmCheck, fsadmResize, type FsadmOptions, type FsadmResult } from './fsadm.ts';
import { loopDevicesBackedBy } from '../devices/holders.ts';
import { runTool } from './fs-tools.ts';

export interface FsTarget {
  /** vg/lv, as lvm2 names the LV in messages. */
  display: string;
  /** The LV path lvm2 hands fsadm (/dev/VG/LV, or the device-tree file ulvm prints). */
  lvPath: string;
  fsadm: FsadmOptions;
}

/** The LV's device for fsadm; refuses, before anything changes, when there is none. */
export async function fsTarget(ctx: Ctx, vg: VolumeGroup, lv: LogicalVolume): Promise<FsTarget> {
  const display = `${vg.name}/${lv.name}`;
  const active = ctx.activationDisabled ? undefined : (await ctx.loadActivation()).find((a) => a.vgId === vg.id && a.lvId === lv.id);
  if (!active) fail(`Logical volume ${display} must be activated before resizing filesystem.`);
  if (!active.devicePath || !active.dmDevicePath)
    fail(`Logical volume ${display} has no device file to resize its filesystem on: ulvm serves it over NBD only (files in its device tree need root and /dev/fuse).`);
  const paths = lvPaths(vg.name, lv.name, active);
  return {
    display,
    lvPath: paths.path,
    fsadm: {
      io: ctx.run.io,
      env: ctx.run.env,
      yes: ctx.has('yes'),
      force: ctx.has('force'),
      // lvm2 passes --verbose once its own verbosity reaches notices (-v).
      verbose: ctx.count('verbose') >= 1,
      tty: ctx.run.io instanceof ProcessIo && process.stdout.isTTY === true,
      volume: paths.dmPath,
      files: [active.devicePath, active.dmDevicePath],
    },
  };
}

function executable(ctx: Ctx): string {
  return ctx.config.str('global/fsadm_executable', '/sbin/fsadm');
}

/** exec_cmd's "Executing:" line, with the arguments _fsadm_cmd builds. */
function announce(ctx: Ctx, t: FsTarget, cmd: 'check' | 'resize', sizeKiB?: number): void {
  const o = t.fsadm;
  const argv = [executable(ctx), ...(o.verbose ? ['--verbose'] : []), ...(o.yes ? ['--yes'] : []), ...(o.force ? ['--force'] : []), cmd, t.lvPath, ...(sizeKiB !== undefined ? [`${sizeKiB}K`] : [])];
  ctx.verbose(1, `Executing: ${argv.join(' ')}`);
}

function sizeKiB(vg: VolumeGroup, extents: number): number {
  return (extents * vg.extentSize) / 2;
}

/** `fsadm check`, unless -n; a failure other than "mounted" stops the command. */
export async function checkFs(ctx: Ctx, t: FsTarget): Promise<void> {
  if (ctx.has('nofsck')) return;
  announce(ctx, t, 'check');
  const r = await fsadmCheck(t.fsadm);
  if (r.status === 0) return;
  ctx.verbose(1, `${executable(ctx)} failed: ${r.status}`);
  // Some filesystems grow online: a mounted one goes on unchecked.
  if (r.status !== FSADM_CHECK_FAILS_FOR_MOUNTED) fail('Filesystem check failed.');
}

async function resizeFs(ctx: Ctx, t: FsTarget, vg: VolumeGroup, extents: number): Promise<FsadmResult> {
  const k = sizeKiB(vg, extents);
  announce(ctx, t, 'resize', k);
  const r = await fsadmResize(t.fsadm, k);
  if (r.status !== 0) ctx.error(`${executable(ctx)} failed: ${r.status}`);
  return r;
}

/** Before a reduce: the filesystem shrinks to the LV's new size first, or the LV stays as it is. */
export async function shrinkFs(ctx: Ctx, t: FsTarget, vg: VolumeGroup, extents: number): Promise<void> {
  if ((await resizeFs(ctx, t, vg, extents)).status !== 0) fail('Filesystem resize failed.');
}

/** After an extend: grows the filesystem to the LV; false (the LV stays extended) when that failed. */
export async function growFs(ctx: Ctx, t: FsTarget, vg: VolumeGroup, extents: number): Promise<boolean> {
  const r = await resizeFs(ctx, t, vg, extents);
  if (r.status === 0) return true;
  if (r.onlineRefusedAt) {
    // lvm2 stops at fsadm's failure; ulvm says what state that leaves and how to finish.
    ctx.error(`Logical volume ${t.display} was extended, but its filesystem was not: the kernel refused to grow it while mounted on ${r.onlineRefusedAt} (online resizing needs CAP_SYS_RESOURCE).`);
    ctx.error(`To grow it, unmount it and resize it offline: umount ${r.onlineRefusedAt}; e2fsck -f ${t.fsadm.volume}; resize2fs ${t.fsadm.volume}`);
  }
  return false;
}

/**
 * After the LV has shrunk under a mounted filesystem: its loop devices learn the new size (a
 * dm device would have shrunk with the LV), so nothing reads past the LV's end through them.
 */
export async function refreshLoops(t: FsTarget): Promise<void> {
  const seen = new Set<string>();
  for (const f of t.fsadm.files)
    for (const l of loopDevicesBackedBy(f)) {
      if (l.offset !== 0 || l.sizeLimit !== 0 || seen.has(l.dev)) continue;
      seen.add(l.dev);
      await runTool({ io: t.fsadm.io, env: t.fsadm.env }, 'losetup', ['-c', l.dev]);
    }
}

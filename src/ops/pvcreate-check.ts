// The checks pvcreate, vgcreate and vgextend make before they (re)initialise a device, as lvm2's
// pvcreate_each_device does them (tools/toollib.c: _pvcreate_check_used, _check_pvcreate_prompt,
// the rescans of the device arguments).
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { pvExtUsed, type Scan, type ScannedDevice } from '../metadata/scan.ts';

/** A VG named by the device's own metadata, or 'unknown' when only PV_EXT_USED says a VG uses it. */
export type PvUser = { vg: string } | 'unknown';

/**
 * Which VG uses a device, as lvmcache knows it before any VG is read: only the device's own
 * metadata areas name its VG, so a PV whose metadata is damaged (or that has none) is "used by a VG
 * but its metadata is missing" as long as its header carries PV_EXT_USED.
 */
export function pvUser(scan: Scan, d: ScannedDevice): PvUser | undefined {
  if (!d.label) return undefined;
  const f = scan.summaryVgOf(d);
  if (f) return { vg: f.vg.name };
  return pvExtUsed(d.label) ? 'unknown' : undefined;
}

/** _check_pvcreate_prompt for a PV that a VG uses: true when it may be overwritten (-ff and a yes). */
export function confirmReinitialise(ctx: Ctx, name: string, user: PvUser): boolean {
  const vgName = user === 'unknown' ? '<unknown>' : user.vg;
  if (ctx.count('force') < 2) {
    if (user === 'unknown') {
      ctx.error(`PV ${name} is used by a VG but its metadata is missing.`);
      ctx.error(`Can't initialize PV '${name}' without -ff.`);
    } else if (ctx.args.command === 'pvcreate') {
      ctx.error(`Can't initialize physical volume "${name}" of volume group "${vgName}" without -ff`);
    } else {
      ctx.error(`Physical volume '${name}' is already in volume group '${vgName}'`);
      ctx.error(`Unable to add physical volume '${name}' to volume group '${vgName}'`);
    }
    ctx.error(`${name}: physical volume not initialized.`);
    return false;
  }
  // -y answers silently; only an answered prompt is followed by the "Forcing" warning.
  if (ctx.has('yes')) return true;
  if (!ctx.prompt(`Really INITIALIZE physical volume "${name}" of volume group "${vgName}" [y/n]? `)) {
    ctx.error(`${name}: physical volume not initialized.`);
    return false;
  }
  ctx.warn(`WARNING: Forcing physical volume creation on ${name} of volume group "${vgName}"`);
  return true;
}

/** A rescan of one device (label_scan_devs) prints what the first scan said about it again. */
export function rescanWarnings(ctx: Ctx, d: ScannedDevice | undefined): void {
  if (!d) return;
  for (const m of d.mdas) for (const w of m.warnings) ctx.warn(w);
  for (const w of d.warnings) ctx.warn(w);
}

/**
 * The exclusive rescan just before writing (label_scan_devs_excl). In lvm2 2.03.16 it fails for a
 * device none of whose metadata areas could be read, and the command then gives up without a
 * message of its own, so all lvm2 prints is the exit status.
 */
export function exclusiveRescan(ctx: Ctx, d: ScannedDevice | undefined): void {
  rescanWarnings(ctx, d);
  if (d?.summaryFailed) fail('Command failed with status code 5.');
}

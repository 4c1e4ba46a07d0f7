// Wiping PV labels as an operation (pvremove).
import type { Ctx } from './context.ts';
import { removePvLabel } from '../metadata/pv-write.ts';
import { claimDevice } from './exclusive.ts';
import { exclusiveRescan, pvUser, rescanWarnings } from './pvcreate-check.ts';

/**
 * Wipes the PV labels off devices, with lvm2's checks: a PV in a VG needs force twice (-ff) and
 * a yes; a device with no PV needs force. Returns lvm2's status (5 after printing what stayed).
 */
export async function removePvs(ctx: Ctx, devices: string[], force = ctx.count('force')): Promise<number> {
  await ctx.locks.global();
  const names = devices.map((p) => ctx.deviceName(p));
  if (ctx.usesDevicesFile()) ctx.alsoScan(names.filter((n) => ctx.opener.exists(n)));
  let rc = 0;
  for (const name of names) {
    const sd = ctx.scan().device(name);
    if (!sd || sd.error === 'device not found') {
      // A device that is there but may not be opened is one lvm2's filter rejects as "not found".
      if (!ctx.opener.exists(name)) ctx.error(`No device found for ${name}.`);
      else claimDevice(ctx, name);
      rc = 5;
      continue;
    }
    // The unused copy of a duplicated PV: lvm2's pvremove finds no PV it may process there.
    if (sd.duplicateOf) {
      ctx.error('Command failed with status code 5.');
      rc = 5;
      continue;
    }
    // With --force lvm2 goes on and "wipes" a device that carries no label.
    if (!sd.label && force === 0) {
      ctx.error(`No PV found on device ${name}.`);
      rc = 5;
      continue;
    }
    // A header that says "used" while no VG's metadata can be found (damaged mda_header): lvm2
    // will not take it for free, and even with -ff its exclusive rescan gives up on the device.
    if (sd.label && pvUser(ctx.scan(), sd) === 'unknown' && !ctx.scan().vgOfDevice(sd)) {
      rescanWarnings(ctx, sd);
      if (force < 2) {
        ctx.error(`PV ${name} is used by a VG but its metadata is missing.`);
        ctx.error('(If you are certain you need pvremove, then confirm by using --force twice.)');
        ctx.error(`${name}: physical volume label not removed.`);
        rc = 5;
        continue;
      }
      ctx.warn(`WARNING: PV ${name} is used by VG <unknown>.`);
      if (!ctx.prompt(`Really WIPE LABELS from physical volume "${name}" of volume group "<unknown>" [y/n]? `)) {
        ctx.error(`${name}: physical volume label not removed.`);
        rc = 5;
        continue;
      }
      ctx.warn(`WARNING: Wiping physical volume label from ${name} of volume group "<unknown>".`);
      exclusiveRescan(ctx, sd);
    }
    const owner = sd.label ? ctx.scan().vgOfDevice(sd) : undefined;
    if (owner && force < 2) {
      ctx.error(`PV ${name} is used by VG ${owner.vg.name} so please use vgreduce first.`);
      ctx.error('(If you are certain you need pvremove, then confirm by using --force twice.)');
      ctx.error(`${name}: physical volume label not removed.`);
      rc = 5;
      continue;
    }
    if (owner) {
      ctx.warn(`WARNING: PV ${name} is used by VG ${owner.vg.name}.`);
      if (!ctx.prompt(`Really WIPE LABELS from physical volume "${name}" of volume group "${owner.vg.name}" [y/n]? `)) {
        ctx.error(`${name}: physical volume label not removed.`);
        rc = 5;
        continue;
      }
      ctx.warn(`WARNING: Wiping physical volume label from ${name} of volume group "${owner.vg.name}".`);
    }
    if (!claimDevice(ctx, name, owner, sd.label?.pvId)) {
      rc = 5;
      continue;
    }
    removePvLabel(ctx.opener, name);
    ctx.addToDevicesFile([]);
    ctx.print(`Labels on physical volume "${name}" successfully wiped.`);
  }
  return rc;
}

// Adding devices to a VG (vgcreate, vgextend): checks, implicit pvcreate, PV records.
import type { Ctx } from './context.ts';
import { pvCreateOptions, initialisePv } from './pv-create.ts';
import type { PhysicalVolume, VolumeGroup } from '../model/types.ts';
import { peCount } from '../model/layout.ts';
import type { ScannedDevice } from '../metadata/scan.ts';
import { confirmReinitialise, exclusiveRescan, pvUser, rescanWarnings } from './pvcreate-check.ts';
import { warnUsedOrphans } from './used-orphans.ts';
import { claimDevice } from './exclusive.ts';

/**
 * Resolves the PV arguments of vgcreate/vgextend into orphan PV devices, initialising plain devices.
 * Returns undefined after printing lvm2's messages when any device cannot be used.
 */
export function orphanPvsFor(ctx: Ctx, args: string[], targetVg: string): ScannedDevice[] | undefined {
  const names = args.map((a) => ctx.deviceName(a));
  if (ctx.usesDevicesFile()) ctx.alsoScan(names.filter((n) => ctx.opener.exists(n)));
  const scan = ctx.scan();
  // pvcreate_each_device scans its arguments once more.
  for (const name of names) rescanWarnings(ctx, scan.device(name));
  // Every argument is checked before any is written: vgcreate/vgextend need them all.
  const plan: { name: string; sd: ScannedDevice; create: boolean }[] = [];
  let ok = true;
  for (const name of names) {
    const sd = scan.device(name);
    if (!sd || (sd.error === 'device not found' && !ctx.opener.exists(name))) {
      ctx.error(`No device found for ${name}.`);
      ok = false;
      continue;
    }
    const user = pvUser(scan, sd);
    if (user !== undefined && user !== 'unknown') {
      ctx.error(`Physical volume '${name}' is already in volume group '${user.vg}'`);
      ctx.error(`Unable to add physical volume '${name}' to volume group '${user.vg}'`);
      ctx.error(`${name}: physical volume not initialized.`);
      ok = false;
      continue;
    }
    // A PV whose VG's metadata is missing goes through pvcreate's checks (-ff, prompt) and is made anew.
    if (user === 'unknown' && ctx.count('force') < 2) {
      confirmReinitialise(ctx, name, user);
      ok = false;
      continue;
    }
    plan.push({ name, sd, create: !sd.label || user === 'unknown' });
  }
  if (!ok) return undefined;
  for (const p of plan) if (!p.create) exclusiveRescan(ctx, p.sd);
  for (const p of plan) if (!p.create && !claimDevice(ctx, p.name)) return undefined;
  // Existing orphan PVs are taken from the orphan VG, which reading warns about.
  if (plan.some((p) => !p.create)) warnUsedOrphans(ctx, 'all');
  const out: ScannedDevice[] = [];
  for (const p of plan) {
    if (p.create) {
      if (!initialisePv(ctx, p.name, pvCreateOptions(ctx))) return undefined;
      out.push(ctx.scan(true).device(p.name)!);
    } else out.push(p.sd);
  }
  void targetVg;
  return out;
}

export function pvRecord(sd: ScannedDevice, extentSize: number): PhysicalVolume {
  const label = sd.label!;
  const peStart = (label.dataAreas[0]?.offset ?? 0) / 512;
  const mda1 = label.metadataAreas[1];
  const tail = mda1 ? sd.sizeSectors * 512 - mda1.offset : 0;
  return {
    id: label.pvId,
    device: sd.path,
    status: ['ALLOCATABLE'],
    flags: [],
    tags: [],
    devSize: sd.sizeSectors,
    peStart,
    peCount: peCount(sd.sizeSectors, peStart, extentSize, tail),
  };
}

export function addPvs(vg: VolumeGroup, devs: ScannedDevice[]): void {
  for (const d of devs) vg.pvs.push(pvRecord(d, vg.extentSize));
}

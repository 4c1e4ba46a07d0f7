// Adding devices to a VG (vgcreate, vgextend): checks, implicit pvcreate, PV records.
import type { Ctx } from './context.ts';
import { pvCreateOptions, initialisePv } from './pvcreate.ts';
import type { PhysicalVolume, VolumeGroup } from '../model/types.ts';
import { peCount } from '../model/layout.ts';
import type { ScannedDevice } from '../metadata/scan.ts';

/**
 * Resolves the PV arguments of vgcreate/vgextend into orphan PV devices, initialising plain devices.
 * Returns undefined after printing lvm2's messages when any device cannot be used.
 */
export function orphanPvsFor(ctx: Ctx, args: string[], targetVg: string): ScannedDevice[] | undefined {
  const names = args.map((a) => ctx.deviceName(a));
  if (ctx.usesDevicesFile()) ctx.alsoScan(names.filter((n) => ctx.opener.exists(n)));
  const out: ScannedDevice[] = [];
  let ok = true;
  for (const name of names) {
    let sd = ctx.scan().device(name);
    if (!sd || sd.error === 'device not found') {
      ctx.error(`No device found for ${name}.`);
      ok = false;
      continue;
    }
    const owner = sd.label ? ctx.scan().vgOfDevice(sd) : undefined;
    if (owner) {
      ctx.error(`Physical volume '${name}' is already in volume group '${owner.vg.name}'`);
      ctx.error(`Unable to add physical volume '${name}' to volume group '${owner.vg.name}'`);
      ctx.error(`${name}: physical volume not initialized.`);
      ok = false;
      continue;
    }
    if (!sd.label) {
      if (!initialisePv(ctx, name, pvCreateOptions(ctx))) {
        ok = false;
        continue;
      }
      sd = ctx.scan(true).device(name)!;
    }
    out.push(sd);
  }
  void targetVg;
  return ok ? out : undefined;
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

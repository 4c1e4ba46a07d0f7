// lvm2 claims a device (open O_EXCL) before it initialises or wipes it — pvcreate, pvremove,
// vgcreate/vgextend of new devices — and refuses one that is mounted or held. Metadata commits to
// the PVs of a VG in use do not claim (lvm2's do not either).
import type { Ctx } from './context.ts';
import { DeviceAccessError, DeviceBusyError, DeviceNotFoundError } from '../devices/device.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { segAreas, type LogicalVolume, type VolumeGroup } from '../model/types.ts';
import { segReferences } from '../segtypes/index.ts';

/** PV ids holding the extents of `lv`, through the LVs its segments use (snapshot COW and origin, pool LVs ...). */
function pvIdsOf(vg: VolumeGroup, lv: LogicalVolume, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  if (seen.has(lv.name)) return out;
  seen.add(lv.name);
  const follow = (name: string | undefined) => {
    const sub = name ? vg.lvs.find((l) => l.name === name) : undefined;
    if (sub) pvIdsOf(vg, sub, out, seen);
  };
  for (const seg of lv.segments) {
    for (const a of segAreas(seg)) if (a.kind === 'pv') out.add(a.pvId);
    for (const name of segReferences(seg)) follow(name);
  }
  return out;
}

/**
 * Active LVs of `owner` with extents on the PV `pvId`. In lvm2 their device-mapper devices hold
 * the PV, so its exclusive open fails; ulvm's daemon holds no kernel claim, so this stands in.
 */
function activeLvsOn(ctx: Ctx, owner: FoundVg | undefined, pvId: string | undefined): string[] {
  if (!owner || !pvId) return [];
  const out: string[] = [];
  for (const a of ctx.activeLvs()) {
    if (a.vgId !== owner.vg.id) continue;
    const lv = owner.vg.lvs.find((l) => l.id === a.lvId);
    if (lv && pvIdsOf(owner.vg, lv).has(pvId)) out.push(`${owner.vg.name}/${lv.name} is active`);
  }
  return out;
}

/**
 * Claims `name` for initialising or wiping; on failure prints what lvm2 prints and returns false.
 * `owner`/`pvId`: the VG the device is a PV of, when it is one.
 */
export function claimDevice(ctx: Ctx, name: string, owner?: FoundVg, pvId?: string): boolean {
  try {
    const held = activeLvsOn(ctx, owner, pvId);
    if (held.length) throw new DeviceBusyError(name, held);
    ctx.opener.open(name, true, true).close();
    return true;
  } catch (e) {
    if (e instanceof DeviceBusyError) {
      // lvm2 tries twice (the exclusive rescan, then the signature filter's read) and the failed
      // read makes the filter reject the device with its "signature" reason, whatever is on it.
      ctx.error(e.message);
      ctx.error(e.message);
      ctx.error(`Error opening device ${name} for reading at 0 length 4096.`);
      ctx.error(`Cannot use ${name}: device has a signature`);
      return false;
    }
    if (e instanceof DeviceAccessError) {
      // lvm2 drops a path it may not open; with no name left the device is "not found".
      const devno = ctx.opener.deviceNumber?.(name);
      if (devno) ctx.error(`Device open ${devno} has no path names.`);
      ctx.error(`Cannot use ${name}: device not found`);
      return false;
    }
    if (e instanceof DeviceNotFoundError) {
      ctx.error(`No device found for ${name}.`);
      return false;
    }
    throw e;
  }
}

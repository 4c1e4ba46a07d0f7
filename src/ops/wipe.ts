// Offering to wipe filesystem signatures before a device or LV is reused (lvm2's wipe_known_signatures).
import type { Ctx } from './context.ts';
import type { DeviceOpener } from '../devices/device.ts';
import { findSignatures } from '../formats/signatures.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { mapLvRange } from '../mapper/extent-map.ts';

export type WipeOutcome = 'clean' | 'wiped' | 'refused';

/** Finds signatures in the first 68 KiB at `base` and asks, per signature, to wipe it. */
export function wipeSignatures(ctx: Ctx, opener: DeviceOpener, devPath: string, shownName: string, base = 0): WipeOutcome {
  const dev = opener.open(devPath, true);
  try {
    const sigs = findSignatures(dev.read(base, 68 * 1024));
    if (!sigs.length) return 'clean';
    let left = 0;
    let refusedType = '';
    for (const s of sigs) {
      if (ctx.has('force') || ctx.prompt(`WARNING: ${s.type} signature detected on ${shownName} at offset ${s.offset}. Wipe it? [y/n]: `)) {
        dev.write(base + s.offset, new Uint8Array(s.length));
        ctx.print(`Wiping ${s.type} signature on ${shownName}.`);
      } else {
        left++;
        refusedType = s.type;
      }
    }
    dev.flush();
    if (left) {
      ctx.error(`Aborted wiping of ${refusedType}.`);
      ctx.error(`${left} existing signature left on the device.`);
      return 'refused';
    }
    return 'wiped';
  } finally {
    dev.close();
  }
}

/** Zeroes the first 4 KiB of an LV straight on its PVs (lvm2's "Initializing 4.00 KiB ... with value 0"). */
export function zeroLvStart(ctx: Ctx, found: FoundVg, vg: VolumeGroup, lv: LogicalVolume): void {
  ctx.verbose(1, `Initializing 4.00 KiB of logical volume ${vg.name}/${lv.name} with value 0.`);
  for (const piece of mapLvRange(vg, lv, 0, 4096)) {
    const dev = ctx.opener.open(found.pvDevices.get(piece.pv.id)!.path, true);
    try {
      dev.write(piece.offset, new Uint8Array(piece.length));
      dev.flush();
    } finally {
      dev.close();
    }
  }
}

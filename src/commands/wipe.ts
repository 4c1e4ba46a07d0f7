// Offering to wipe filesystem signatures before a device or LV is reused (lvm2's wipe_known_signatures).
import type { Ctx } from './context.ts';
import type { DeviceOpener } from '../devices/device.ts';
import { findSignatures } from '../formats/signatures.ts';

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

// The devices ulvm may use, as lvmdiskscan lists them: each with its size and whether it is a PV.
import type { Ctx } from './context.ts';

export interface DiskScanEntry {
  name: string;
  /** 512-byte sectors. */
  size: number;
  /** Carries a PV label (in a VG or not). */
  pv: boolean;
  /** lvm2 counts a name ending in a digit as a partition, any other as a whole disk. */
  partition: boolean;
}

/** Devices looked at (the devices file, or --devices) that can be opened and are big enough for a PV. */
export function diskScan(ctx: Ctx): DiskScanEntry[] {
  return ctx
    .scan()
    .devices.filter((d) => !d.error)
    .map((d) => ({ name: d.path, size: d.sizeSectors, pv: d.label !== undefined, partition: /\d$/.test(d.path) }));
}

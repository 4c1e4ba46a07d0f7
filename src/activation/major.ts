// The block major ulvm's devices are numbered with. The kernel's device-mapper takes a dynamic
// major (usually 253 or 254), and so do zram, virtio-blk and others: on this kind of machine 253
// is zram0, so "Block device 253:0" would name someone else's disk. ulvm therefore numbers its
// devices in the range the kernel's devices.txt reserves for local/experimental use (240–254),
// taking the lowest major no driver on this machine has registered (dynamic majors are handed
// out from 254 downwards, so the low end stays free longest).
import { readFileSync } from 'node:fs';

const LOCAL_FIRST = 240;
const LOCAL_LAST = 254;

/** Block majors listed under "Block devices:" in /proc/devices. */
export function registeredBlockMajors(procDevices: string): Set<number> {
  const out = new Set<number>();
  let inBlock = false;
  for (const line of procDevices.split('\n')) {
    if (/^Block devices:/.test(line)) inBlock = true;
    else if (/^Character devices:/.test(line)) inBlock = false;
    else if (inBlock) {
      const m = /^\s*(\d+)\s/.exec(line);
      if (m) out.add(Number(m[1]));
    }
  }
  return out;
}

export function chooseMajor(procDevices: string): number {
  const used = registeredBlockMajors(procDevices);
  for (let m = LOCAL_FIRST; m <= LOCAL_LAST; m++) if (!used.has(m)) return m;
  return LOCAL_FIRST;
}

let chosen: number | undefined;

/** Chosen once per process, the first time a device is numbered. */
export function dmMajor(): number {
  if (chosen === undefined) {
    let text = '';
    try {
      text = readFileSync('/proc/devices', 'utf8');
    } catch {
      /* not Linux: any number in the local range is as good */
    }
    chosen = chooseMajor(text);
  }
  return chosen;
}

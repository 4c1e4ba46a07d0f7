// A device opener that cuts the power after a number of writes (optionally tearing the write
// that was in flight), for crash tests of commits: what reaches the devices is what a crash leaves.
import type { BlockDevice, DeviceOpener } from '../../src/devices/device.ts';

export class Crash extends Error {
  constructor() {
    super('simulated power cut');
  }
}

/**
 * 'half': the k-th write lands only its first half (for a 512-byte mda header or label that is
 * already every field it holds). 'sector': the k-th write lands only its first 44 bytes, cutting a
 * single sector in the middle of the committed raw_locn: this breaks the one-sector atomicity
 * lvm2's on-disk format relies on, so there the VG may become unreadable on that device, but
 * never half-old half-new.
 */
export type TearMode = 'none' | 'half' | 'sector';
const SECTOR_TEAR_BYTES = 44;

/** Passes writes through until `limit` have completed; the next one throws (torn: half of it lands first). */
export class FaultOpener implements DeviceOpener {
  writes = 0;
  sizes: number[] = [];
  constructor(
    private readonly inner: DeviceOpener,
    private readonly limit = Infinity,
    private readonly tear: TearMode = 'none',
  ) {}
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  open(path: string, writable: boolean): BlockDevice {
    const dev = this.inner.open(path, writable);
    const self = this;
    return {
      path: dev.path,
      size: dev.size,
      writable: dev.writable,
      read: (o, l) => dev.read(o, l),
      write(offset: number, data: Uint8Array): void {
        if (self.writes >= self.limit) {
          if (self.tear === 'half') dev.write(offset, data.subarray(0, Math.floor(data.length / 2)));
          if (self.tear === 'sector') dev.write(offset, data.subarray(0, Math.min(SECTOR_TEAR_BYTES, data.length)));
          throw new Crash();
        }
        self.writes++;
        self.sizes.push(data.length);
        dev.write(offset, data);
      },
      flush: () => dev.flush(),
      close: () => dev.close(),
    };
  }
}


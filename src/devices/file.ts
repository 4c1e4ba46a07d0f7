// Image files and block devices through pread/pwrite on a file descriptor.
import { closeSync, constants, existsSync, fdatasyncSync, fstatSync, openSync, readSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { type BlockDevice, type DeviceOpener, DeviceNotFoundError } from './device.ts';
import { openPartition } from './partition.ts';
import { splitPartitionName } from '../formats/partitions.ts';

/** Node cannot issue BLKGETSIZE64, so block device sizes come from sysfs (in 512-byte sectors). */
function blockDeviceSize(path: string): number {
  const name = basename(realpathSync(path));
  for (const p of [`/sys/class/block/${name}/size`]) {
    try {
      return parseInt(readFileSync(p, 'utf8').trim(), 10) * 512;
    } catch {
      /* fall through */
    }
  }
  return 0;
}

export class FileDevice implements BlockDevice {
  readonly size: number;
  private fd: number;
  constructor(
    readonly path: string,
    readonly writable: boolean,
  ) {
    try {
      this.fd = openSync(path, writable ? constants.O_RDWR : constants.O_RDONLY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new DeviceNotFoundError(path);
      throw e;
    }
    const st = fstatSync(this.fd);
    this.size = st.isBlockDevice() ? blockDeviceSize(path) : st.size;
  }
  read(offset: number, length: number): Uint8Array {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) break; // past the end reads as zeros, like a sparse file
      done += n;
    }
    return buf;
  }
  write(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
  }
  flush(): void {
    fdatasyncSync(this.fd);
  }
  close(): void {
    closeSync(this.fd);
  }
}

export const fileOpener: DeviceOpener = {
  open: (path, writable) => openPartition(path, writable, (p, w) => new FileDevice(p, w)) ?? new FileDevice(path, writable),
  deviceNumber: (path) => {
    try {
      const st = statSync(path);
      if (!st.isBlockDevice()) return undefined;
      // Linux dev_t: 12 bits of major in 8..19, minor split around it.
      return `${(st.rdev >> 8) & 0xfff}:${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
    } catch {
      return undefined;
    }
  },
  exists: (path) => {
    const s = splitPartitionName(path);
    if (!s) return existsSync(path);
    if (!existsSync(s.disk)) return false;
    try {
      fileOpener.open(path, false).close();
      return true;
    } catch {
      return false;
    }
  },
};

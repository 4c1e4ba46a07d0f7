// Image files and block devices through pread/pwrite on a file descriptor.
import { closeSync, constants, fdatasyncSync, fstatSync, openSync, readSync, readFileSync, realpathSync, statSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { type BlockDevice, type DeviceOpener, DeviceAccessError, DeviceBusyError, DeviceNotFoundError, DeviceWriteError } from './device.ts';
import { openPartition } from './partition.ts';
import { splitPartitionName } from '../formats/partitions.ts';
import { errnoCode } from './errno.ts';
import { blockRangeUsers, fileRangeUsers } from './holders.ts';

/**
 * Node cannot issue BLKGETSIZE64, so block device sizes come from sysfs (in 512-byte sectors):
 * by device number first, which also finds a node made with mknod under any name, then by name.
 */
function blockDeviceSize(path: string, rdev: number): number {
  const major = Math.floor(rdev / 256) & 0xfff;
  const minor = (rdev & 0xff) | ((Math.floor(rdev / 0x100000) & 0xfff) << 8);
  const name = basename(realpathSync(path));
  for (const p of [`/sys/dev/block/${major}:${minor}/size`, `/sys/class/block/${name}/size`]) {
    try {
      return parseInt(readFileSync(p, 'utf8').trim(), 10) * 512;
    } catch {
      /* fall through */
    }
  }
  return 0;
}

/** Errors that mean "this user may not open it that way", not "it is not there". */
const DENIED = new Set(['EACCES', 'EPERM', 'EROFS', 'ETXTBSY']);

/** What stands in the way of a device: nothing, a missing path or a path that is no device. */
function isDeviceNode(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() || st.isBlockDevice();
  } catch {
    return false;
  }
}

export class FileDevice implements BlockDevice {
  readonly size: number;
  private fd: number;
  /** Set when write access was refused: reads work, and the first write reports it as lvm2 does. */
  private writeDenied = false;
  constructor(
    readonly path: string,
    readonly writable: boolean,
    exclusive = false,
  ) {
    // Only block devices have an exclusive open (the kernel's claim); files are checked below.
    let excl = 0;
    try {
      if (exclusive && statSync(path).isBlockDevice()) excl = constants.O_EXCL;
    } catch {
      /* the open below says why */
    }
    try {
      this.fd = openSync(path, (writable ? constants.O_RDWR : constants.O_RDONLY) | excl);
    } catch (e) {
      const code = errnoCode(e) ?? '';
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') throw new DeviceNotFoundError(path);
      if (code === 'EBUSY' && excl) throw new DeviceBusyError(path);
      if (!DENIED.has(code)) throw e;
      // A device that can be read but not written still scans and reports; lvm2 fails on its writes.
      if (!writable || exclusive) throw new DeviceAccessError(path, code);
      try {
        this.fd = openSync(path, constants.O_RDONLY);
      } catch {
        throw new DeviceAccessError(path, code);
      }
      this.writeDenied = true;
    }
    const st = fstatSync(this.fd);
    if (!st.isFile() && !st.isBlockDevice()) {
      // A directory opens read-only; lvm2 has no device of that name.
      closeSync(this.fd);
      throw new DeviceNotFoundError(path);
    }
    if (exclusive && st.isFile()) {
      const users = fileRangeUsers(path);
      if (users.length) {
        closeSync(this.fd);
        throw new DeviceBusyError(path, users);
      }
    }
    this.size = st.isBlockDevice() ? blockDeviceSize(path, st.rdev) : st.size;
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
    if (this.writeDenied) throw new DeviceWriteError(this.path, `Error opening device ${this.path} for writing at ${offset} length ${data.length}.`);
    let done = 0;
    try {
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done, offset + done);
    } catch (e) {
      // A read-only block device (blockdev --setro) opens for writing and refuses each write (EPERM).
      if (errnoCode(e) === undefined) throw e;
      throw new DeviceWriteError(this.path, `Error writing device ${this.path} at ${offset} length ${data.length}.`);
    }
  }
  flush(): void {
    if (!this.writeDenied) fdatasyncSync(this.fd);
  }
  close(): void {
    closeSync(this.fd);
  }
}

export const fileOpener: DeviceOpener = {
  open: (path, writable, exclusive = false) =>
    openPartition(path, writable, (p, w) => new FileDevice(p, w), exclusive ? (disk, range) => partitionUsers(disk, range) : undefined) ?? new FileDevice(path, writable, exclusive),
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
    if (!s) return isDeviceNode(path);
    if (!isDeviceNode(s.disk)) return false;
    try {
      fileOpener.open(path, false).close();
      return true;
    } catch {
      return false;
    }
  },
};

/** Who uses the part of `disk` that a `disk:pN` partition covers. */
function partitionUsers(disk: string, range: { offset: number; length: number }): string[] {
  let block = false;
  try {
    block = statSync(disk).isBlockDevice();
  } catch {
    /* the disk was opened a moment ago; treat a vanished one as a file */
  }
  return block ? blockRangeUsers(disk, range) : fileRangeUsers(disk, range);
}

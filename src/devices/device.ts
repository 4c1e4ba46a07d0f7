// One small interface for everything that can hold a PV: image files, block devices, memory (tests).
// Metadata I/O is synchronous: commands are short, and sync pread/pwrite is the fastest path in Node.
import { UlvmError } from '../errors.ts';

export interface BlockDevice {
  /** The path the user named the device by. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  readonly writable: boolean;
  read(offset: number, length: number): Uint8Array;
  write(offset: number, data: Uint8Array): void;
  /** Makes previous writes durable (fdatasync). */
  flush(): void;
  close(): void;
}

export class DeviceNotFoundError extends UlvmError {
  constructor(readonly path: string) {
    super('DEVICE_NOT_FOUND', [`No device found for ${path}.`], 5, { device: path });
  }
}

/**
 * Another user holds the device: a mounted filesystem, a loop or device-mapper device on it, or a
 * process that opened it exclusively. lvm2 says so when its O_EXCL open fails with EBUSY.
 */
export class DeviceBusyError extends UlvmError {
  constructor(
    readonly path: string,
    /** Who holds it, for -v output (the kernel does not say for O_EXCL holders). */
    readonly users: string[] = [],
  ) {
    super('DEVICE_IN_USE', [`Can't open ${path} exclusively.  Mounted filesystem?`], 5, { device: path });
  }
}

/**
 * The device exists but this user may not open it (EACCES/EPERM), or not for writing (EROFS).
 * lvm2 drops a path it cannot open, so to the user the device is "not found".
 */
export class DeviceAccessError extends UlvmError {
  constructor(
    readonly path: string,
    readonly errno: string,
  ) {
    super('DEVICE_ACCESS', [`Cannot use ${path}: device not found`], 5, { device: path, errno });
  }
}

/** A write that the device refused: lvm2's wording, offset and length included. */
export class DeviceWriteError extends UlvmError {
  constructor(readonly path: string, message: string) {
    super('DEVICE_WRITE', [message], 5, { device: path });
  }
}

/** Opens devices by path; tests substitute memory devices. */
export interface DeviceOpener {
  /**
   * `exclusive` (with `writable`) claims the device the way lvm2 does before it initialises or
   * wipes one: it fails with DeviceBusyError while anyone else holds it.
   */
  open(path: string, writable: boolean, exclusive?: boolean): BlockDevice;
  exists(path: string): boolean;
  /** `major:minor` of a block device, as the kernel names it in tables; undefined for files. */
  deviceNumber?(path: string): string | undefined;
}

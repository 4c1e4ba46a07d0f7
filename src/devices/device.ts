// One small interface for everything that can hold a PV: image files, block devices, memory (tests).
// Metadata I/O is synchronous: commands are short, and sync pread/pwrite is the fastest path in Node.
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

export class DeviceNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`No device found for ${path}.`);
  }
}

/** Opens devices by path; tests substitute memory devices. */
export interface DeviceOpener {
  open(path: string, writable: boolean): BlockDevice;
  exists(path: string): boolean;
  /** `major:minor` of a block device, as the kernel names it in tables; undefined for files. */
  deviceNumber?(path: string): string | undefined;
}

// Sparse in-memory devices for tests and the library path.
import { type BlockDevice, type DeviceOpener, DeviceNotFoundError } from './device.ts';

const CHUNK = 64 * 1024;

export class MemoryDevice implements BlockDevice {
  readonly writable = true;
  private chunks = new Map<number, Uint8Array>();
  writes = 0;
  constructor(
    readonly path: string,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let pos = 0;
    while (pos < length) {
      const abs = offset + pos;
      const idx = Math.floor(abs / CHUNK);
      const within = abs - idx * CHUNK;
      const n = Math.min(CHUNK - within, length - pos);
      const c = this.chunks.get(idx);
      if (c) out.set(c.subarray(within, within + n), pos);
      pos += n;
    }
    return out;
  }
  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.size) throw new RangeError(`write past the end of ${this.path}`);
    this.writes++;
    let pos = 0;
    while (pos < data.length) {
      const abs = offset + pos;
      const idx = Math.floor(abs / CHUNK);
      const within = abs - idx * CHUNK;
      const n = Math.min(CHUNK - within, data.length - pos);
      let c = this.chunks.get(idx);
      if (!c) this.chunks.set(idx, (c = new Uint8Array(CHUNK)));
      c.set(data.subarray(pos, pos + n), within);
      pos += n;
    }
  }
  flush(): void {}
  close(): void {}
}

/** A set of named memory devices that outlive open/close, as disks do. */
export class MemoryDisks implements DeviceOpener {
  readonly disks = new Map<string, MemoryDevice>();
  /** Device numbers to report for some paths (to stand in for real block devices). */
  readonly numbers = new Map<string, string>();
  deviceNumber(path: string): string | undefined {
    return this.numbers.get(path);
  }
  add(path: string, size: number): MemoryDevice {
    const d = new MemoryDevice(path, size);
    this.disks.set(path, d);
    return d;
  }
  open(path: string): BlockDevice {
    const d = this.disks.get(path);
    if (!d) throw new DeviceNotFoundError(path);
    return d;
  }
  exists(path: string): boolean {
    return this.disks.has(path);
  }
}

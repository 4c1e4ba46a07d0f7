// Sparse in-memory devices for tests and the library path.
import { type BlockDevice, type DeviceOpener, DeviceNotFoundError } from './device.ts';
import type { SparseSyncDevice } from './async.ts';
import type { Allocation } from './fallocate.ts';

const CHUNK = 64 * 1024;

export class MemoryDevice implements SparseSyncDevice {
  readonly writable = true;
  private chunks = new Map<number, Uint8Array>();
  writes = 0;
  punches = 0;
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
  /** Like fallocate's punch-hole: whole chunks are dropped, the partial ones at the edges zeroed. */
  punchHole(offset: number, length: number): void {
    if (offset + length > this.size) throw new RangeError(`punch past the end of ${this.path}`);
    this.punches++;
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const idx = Math.floor(pos / CHUNK);
      const within = pos - idx * CHUNK;
      const n = Math.min(CHUNK - within, end - pos);
      if (n === CHUNK) this.chunks.delete(idx);
      else this.chunks.get(idx)?.fill(0, within, within + n);
      pos += n;
    }
  }
  /** Chunks never written (or punched) are holes, as SEEK_HOLE sees a sparse file. */
  allocation(offset: number, length: number): Allocation[] {
    const out: Allocation[] = [];
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const idx = Math.floor(pos / CHUNK);
      const n = Math.min((idx + 1) * CHUNK, end) - pos;
      const hole = !this.chunks.has(idx);
      const last = out[out.length - 1];
      if (last && last.hole === hole) last.length += n;
      else out.push({ length: n, hole });
      pos += n;
    }
    return out;
  }
  /** Bytes held (allocated chunks), as st_blocks tells for a file. */
  get allocated(): number {
    return this.chunks.size * CHUNK;
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

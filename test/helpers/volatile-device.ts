// Devices with a volatile write cache, to stand in for a crash: writes land in a cache of 4 KiB
// pages until flush(); crashed() is what survives a power cut — only what was flushed.
import { MemoryDevice } from '../../src/devices/memory.ts';
import type { BlockDevice } from '../../src/devices/device.ts';
import type { BlockTarget, Extent } from '../../src/mapper/target.ts';

const PAGE = 4096;

class PageCache {
  readonly durable: MemoryDevice;
  private pending = new Map<number, Uint8Array>();
  constructor(path: string, readonly size: number) {
    this.durable = new MemoryDevice(path, size);
  }
  private page(p: number): Uint8Array {
    return this.pending.get(p) ?? this.durable.read(p * PAGE, PAGE);
  }
  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let pos = offset; pos < offset + length; ) {
      const p = Math.floor(pos / PAGE);
      const within = pos - p * PAGE;
      const n = Math.min(PAGE - within, offset + length - pos);
      out.set(this.page(p).subarray(within, within + n), pos - offset);
      pos += n;
    }
    return out;
  }
  write(offset: number, data: Uint8Array): void {
    if (offset + data.length > this.size) throw new RangeError('write past the end');
    for (let pos = offset; pos < offset + data.length; ) {
      const p = Math.floor(pos / PAGE);
      const within = pos - p * PAGE;
      const n = Math.min(PAGE - within, offset + data.length - pos);
      const page = this.pending.get(p) ?? this.durable.read(p * PAGE, PAGE);
      page.set(data.subarray(pos - offset, pos - offset + n), within);
      this.pending.set(p, page);
      pos += n;
    }
  }
  flush(): void {
    for (const [p, page] of this.pending) this.durable.write(p * PAGE, page);
    this.pending.clear();
  }
  /**
   * A copy of what was flushed; with `keep`, also the unflushed pages it picks — a disk that had
   * written some of its cache, in any order, when the power went (torn writes).
   */
  crashed(path: string, keep?: (page: number) => boolean): MemoryDevice {
    const d = new MemoryDevice(path, this.size);
    for (let pos = 0; pos < this.size; pos += 1 << 20) d.write(pos, this.durable.read(pos, Math.min(1 << 20, this.size - pos)));
    if (keep) for (const [p, page] of this.pending) if (keep(p)) d.write(p * PAGE, page);
    return d;
  }
}

export class VolatileDevice implements BlockDevice {
  readonly writable = true;
  private readonly cache: PageCache;
  constructor(
    readonly path: string,
    readonly size: number,
  ) {
    this.cache = new PageCache(path, size);
  }
  read(offset: number, length: number): Uint8Array {
    return this.cache.read(offset, length);
  }
  write(offset: number, data: Uint8Array): void {
    this.cache.write(offset, data);
  }
  flush(): void {
    this.cache.flush();
  }
  close(): void {}
  crashed(keep?: (page: number) => boolean): MemoryDevice {
    return this.cache.crashed(this.path, keep);
  }
}

export class VolatileTarget implements BlockTarget {
  readonly caps = { readOnly: false, discard: true, writeZeroes: true };
  private readonly cache: PageCache;
  constructor(readonly size: number) {
    this.cache = new PageCache('/data', size);
  }
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const d = this.cache.read(offset, length);
    if (!into) return d;
    into.set(d);
    return into;
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    await Promise.resolve();
    this.cache.write(offset, data);
  }
  async flush(): Promise<void> {
    await Promise.resolve();
    this.cache.flush();
  }
  async discard(offset: number, length: number): Promise<void> {
    this.cache.write(offset, new Uint8Array(length));
  }
  async writeZeroes(offset: number, length: number): Promise<void> {
    this.cache.write(offset, new Uint8Array(length));
  }
  async extents(_o: number, length: number): Promise<Extent[]> {
    return [{ length, zero: false }];
  }
  crashed(keep?: (page: number) => boolean): MemoryDevice {
    return this.cache.crashed('/data', keep);
  }
}

// A backed-up volume as a read-only block target: reads are put together from the backup's
// chunks through a shared cache, all-zero chunks (stored as nothing) are zeros without asking
// the repository and show as holes in the allocation map (so nbdcopy and qemu-img skip them),
// and a reader going forward gets the next chunks fetched before it asks.
import { TargetIoError, type BlockTarget, type Extent, type TargetCaps } from '../mapper/target.ts';
import { ChunkCache } from './chunk-cache.ts';
import type { ChunkSource } from './chunk-source.ts';
import type { BackupVolume } from './types.ts';

export const DEFAULT_READ_AHEAD = 2;

export interface VolumeTargetOptions {
  /** Chunks fetched ahead of a sequential reader (0: none). At most a quarter of the cache. */
  readAhead?: number;
}

export class VolumeTarget implements BlockTarget {
  readonly size: number;
  readonly caps: TargetCaps = { readOnly: true, discard: false, writeZeroes: false };
  readonly cache: ChunkCache;
  private readonly readAhead: number;
  /** The last chunk a reader asked for: the next read in it or just after it is sequential. */
  private lastChunk = -2;

  constructor(
    readonly volume: BackupVolume,
    source: ChunkSource | ChunkCache,
    o: VolumeTargetOptions = {},
  ) {
    const expected = Math.ceil(volume.size / volume.chunkSize);
    if (volume.chunkSize <= 0 || volume.chunks.length !== expected) {
      throw new Error(`backup of ${volume.vg}/${volume.lv}: ${volume.chunks.length} chunks for ${volume.size} bytes in chunks of ${volume.chunkSize}, ${expected} expected`);
    }
    this.size = volume.size;
    this.cache = source instanceof ChunkCache ? source : new ChunkCache(source);
    const cap = Math.floor(this.cache.maxBytes / 4 / volume.chunkSize);
    this.readAhead = Math.max(0, Math.min(o.readAhead ?? DEFAULT_READ_AHEAD, cap));
  }

  /** Plain length of chunk i: the chunk size, except the last. */
  chunkLength(i: number): number {
    return Math.min(this.volume.chunkSize, this.size - i * this.volume.chunkSize);
  }

  private where(offset: number): string {
    return `${this.volume.vg}/${this.volume.lv} at ${offset}`;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new TargetIoError(`read of ${length} bytes at ${offset} beyond the ${this.size} bytes of ${this.volume.vg}/${this.volume.lv}`, 'EINVAL');
    const out = into ?? new Uint8Array(length);
    if (length === 0) return out;
    const cs = this.volume.chunkSize;
    const first = Math.floor(offset / cs);
    const last = Math.floor((offset + length - 1) / cs);
    const sequential = first === this.lastChunk || first === this.lastChunk + 1;
    this.lastChunk = last;
    const parts: Promise<void>[] = [];
    for (let i = first; i <= last; i++) {
      const from = Math.max(offset, i * cs);
      const to = Math.min(offset + length, (i + 1) * cs);
      const id = this.volume.chunks[i]!;
      if (id === null) {
        out.fill(0, from - offset, to - offset);
        this.cache.stats.zeroBytesServed += to - from;
        continue;
      }
      parts.push(
        this.cache.get(id, this.chunkLength(i)).then(
          (data) => out.set(data.subarray(from - i * cs, to - i * cs), from - offset),
          (e: unknown) => {
            throw new TargetIoError(`backup of ${this.where(i * cs)}: chunk ${id}: ${(e as Error).message}`, 'EIO');
          },
        ),
      );
    }
    if (sequential) this.fetchAhead(last + 1);
    await Promise.all(parts);
    return out;
  }

  /** Starts fetches of the chunks after `from` that are neither held nor on their way. */
  private fetchAhead(from: number): void {
    for (let i = from; i < Math.min(from + this.readAhead, this.volume.chunks.length); i++) {
      const id = this.volume.chunks[i];
      if (!this.cache.idle) return;
      if (id && !this.cache.has(id)) this.cache.get(id, this.chunkLength(i), true).catch(() => undefined); // the reader's own fetch reports it
    }
  }

  private refuse(): never {
    throw new TargetIoError(`backup of ${this.volume.vg}/${this.volume.lv} is read-only`, 'EPERM');
  }

  async write(_offset: number, _data: Uint8Array): Promise<void> {
    this.refuse();
  }

  async discard(_offset: number, _length: number): Promise<void> {
    this.refuse();
  }

  async writeZeroes(_offset: number, _length: number, _noUnmap?: boolean): Promise<void> {
    this.refuse();
  }

  async flush(): Promise<void> {}

  async extents(offset: number, length: number): Promise<Extent[]> {
    const out: Extent[] = [];
    const cs = this.volume.chunkSize;
    const end = Math.min(this.size, offset + length);
    for (let pos = offset; pos < end; ) {
      const i = Math.floor(pos / cs);
      const to = Math.min(end, (i + 1) * cs);
      const zero = this.volume.chunks[i] === null;
      const prev = out[out.length - 1];
      if (prev && prev.zero === zero) prev.length += to - pos;
      else out.push(zero ? { length: to - pos, zero: true, hole: true } : { length: to - pos, zero: false });
      pos = to;
    }
    return out;
  }
}

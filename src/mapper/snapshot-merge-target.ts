// The origin's table while its snapshot merges (dm-snap's snapshot-merge target): the origin reads
// as the snapshot did from the first moment. A chunk not merged yet is read from the COW, and
// written there too; a write to the run being copied waits until that run is committed; every
// other chunk is the origin's, written through the snapshot-origin target over the other snapshots.
import type { BlockTarget, Extent, TargetCaps } from './target.ts';
import { OriginTarget } from './snapshot-targets.ts';
import type { SnapshotMerge } from './snapshot-merge.ts';

interface Piece {
  chunk: number;
  /** Offset within the request. */
  from: number;
  length: number;
  /** Byte offset on the COW when the chunk is still remapped there. */
  cowAt?: number;
}

export class SnapshotMergeTarget implements BlockTarget {
  constructor(private readonly m: SnapshotMerge) {}

  get size(): number {
    return this.m.real.size;
  }
  get caps(): TargetCaps {
    return this.m.real.caps;
  }

  /** The request cut at chunk boundaries, each piece with where it lives now. */
  private pieces(offset: number, length: number): Piece[] {
    const cb = this.m.chunkBytes;
    const out: Piece[] = [];
    for (let pos = offset; pos < offset + length; ) {
      const chunk = Math.floor(pos / cb);
      const within = pos - chunk * cb;
      const n = Math.min(cb - within, offset + length - pos);
      const k = this.m.store.lookup(chunk);
      const last = out[out.length - 1];
      // Neighbouring origin pieces go as one I/O.
      if (k === undefined && last && last.cowAt === undefined) last.length += n;
      else out.push({ chunk, from: pos - offset, length: n, ...(k !== undefined ? { cowAt: k * cb + within } : {}) });
      pos += n;
    }
    return out;
  }

  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    if (!this.m.store.remaining) return this.m.real.read(offset, length, into);
    const out = into ?? new Uint8Array(length);
    await Promise.all(
      this.pieces(offset, length).map((p) => {
        const to = out.subarray(p.from, p.from + p.length);
        return p.cowAt !== undefined ? this.m.store.cow.read(p.cowAt, p.length, to) : this.m.real.read(offset + p.from, p.length, to);
      }),
    );
    return out;
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (!data.length) return;
    const cb = this.m.chunkBytes;
    const first = Math.floor(offset / cb);
    const last = Math.floor((offset + data.length - 1) / cb);
    for (let wait = this.m.busy(first, last); wait; wait = this.m.busy(first, last)) await wait;
    // From here to the COW writes being tracked nothing awaits: a step starting later waits for them.
    const origin = new OriginTarget(this.m.real, this.m.others);
    if (!this.m.store.remaining) return origin.write(offset, data);
    await Promise.all(
      this.pieces(offset, data.length).map((p) => {
        const part = data.subarray(p.from, p.from + p.length);
        return p.cowAt !== undefined ? this.m.track(p.chunk, this.m.store.cow.write(p.cowAt, part)) : origin.write(offset + p.from, part);
      }),
    );
  }

  async flush(): Promise<void> {
    await this.m.store.cow.flush();
    await this.m.real.flush();
  }

  /** A hint only: dropping origin blocks under a merge could lose what the merge copies back. */
  async discard(): Promise<void> {}

  writeZeroes(offset: number, length: number): Promise<void> {
    return this.write(offset, new Uint8Array(length));
  }

  async extents(_offset: number, length: number): Promise<Extent[]> {
    return [{ length, zero: false }];
  }
}

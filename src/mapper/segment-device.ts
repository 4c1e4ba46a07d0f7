// A synchronous device over the pieces of an LV (its segments on PVs, in LV order), so that pool
// metadata can live on a `_tmeta` LV however it is laid out. Requests crossing pieces are split.
import type { BlockDevice } from '../devices/device.ts';

export interface DevicePiece {
  dev: BlockDevice;
  /** Byte offset of the piece on `dev`. */
  offset: number;
  /** Bytes. */
  length: number;
}

export class SegmentDevice implements BlockDevice {
  readonly size: number;
  readonly writable: boolean;
  /** Where each piece starts within this device. */
  private readonly starts: number[] = [];

  constructor(
    readonly path: string,
    private readonly pieces: DevicePiece[],
  ) {
    let s = 0;
    for (const p of pieces) {
      if (p.length < 0 || p.offset < 0 || p.offset + p.length > p.dev.size) throw new RangeError(`piece ${p.offset}+${p.length} is outside ${p.dev.path}`);
      this.starts.push(s);
      s += p.length;
    }
    this.size = s;
    this.writable = pieces.every((p) => p.dev.writable);
  }

  /** Calls f for every piece [offset, offset+length) touches: piece, offset on it, offset in the request, length. */
  private each(offset: number, length: number, f: (p: DevicePiece, at: number, from: number, n: number) => void): void {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new RangeError(`${offset}+${length} is outside ${this.path} (${this.size} bytes)`);
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    let pos = offset;
    const end = offset + length;
    for (let i = lo; pos < end && i < this.pieces.length; i++) {
      const p = this.pieces[i]!;
      const within = pos - this.starts[i]!;
      const n = Math.min(p.length - within, end - pos);
      if (n > 0) f(p, p.offset + within, pos - offset, n);
      pos += Math.max(n, 0);
    }
  }

  read(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.each(offset, length, (p, at, from, n) => out.set(p.dev.read(at, n), from));
    return out;
  }

  write(offset: number, data: Uint8Array): void {
    this.each(offset, data.length, (p, at, from, n) => p.dev.write(at, data.subarray(from, from + n)));
  }

  /** Each underlying device once. */
  flush(): void {
    for (const d of new Set(this.pieces.map((p) => p.dev))) d.flush();
  }

  /** The pieces' devices belong to whoever opened them (they hold other LVs too). */
  close(): void {}
}

// A RAM block target for mapper tests: records the order of writes and flushes (to check
// data-before-table), and can fail its Nth write (a crash cutting a sequence short).
import type { BlockTarget, Extent } from '../../src/mapper/target.ts';

export class MemoryTarget implements BlockTarget {
  readonly bytes: Uint8Array;
  readonly ops: string[] = [];
  readonly caps = { readOnly: false, discard: false, writeZeroes: true };
  /** When set, the write with this number (1-based, counted from now on) throws. */
  failWrite?: number;
  private writes = 0;
  constructor(readonly size: number) {
    this.bytes = new Uint8Array(size);
  }
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    const out = into ?? new Uint8Array(length);
    out.set(this.bytes.subarray(offset, offset + length));
    return out;
  }
  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.size) throw new Error('beyond end');
    if (this.failWrite !== undefined && ++this.writes === this.failWrite) throw new Error('cut');
    this.bytes.set(data, offset);
    this.ops.push(`w${offset}`);
  }
  async flush(): Promise<void> {
    this.ops.push('f');
  }
  async discard(): Promise<void> {}
  async writeZeroes(offset: number, length: number): Promise<void> {
    this.bytes.fill(0, offset, offset + length);
  }
  async extents(_o: number, length: number): Promise<Extent[]> {
    return [{ length, zero: false }];
  }
}

// The snapshot-origin and snapshot targets: copy-on-write of origin chunks into every valid
// snapshot before an origin write; snapshot I/O from the COW where a chunk is remapped.
import type { BlockTarget, Extent, TargetCaps } from './target.ts';
import { TargetIoError } from './target.ts';
import type { CowStore } from './cow-store.ts';

/** Bytes of an origin zeroed at a time (see OriginTarget.writeZeroes). */
const ZERO_STEP = 16 * 1024 * 1024;

/** Splits [offset, offset+length) at chunk boundaries. */
function* chunks(offset: number, length: number, chunkBytes: number): Generator<{ chunk: number; within: number; from: number; length: number }> {
  let pos = offset;
  const end = offset + length;
  while (pos < end) {
    const chunk = Math.floor(pos / chunkBytes);
    const within = pos - chunk * chunkBytes;
    const n = Math.min(chunkBytes - within, end - pos);
    yield { chunk, within, from: pos - offset, length: n };
    pos += n;
  }
}

/** Old contents of an origin chunk (the last chunk may be partial), padded to a whole chunk. */
async function originChunk(real: BlockTarget, chunk: number, chunkBytes: number): Promise<Uint8Array> {
  const buf = new Uint8Array(chunkBytes);
  const start = chunk * chunkBytes;
  const n = Math.min(chunkBytes, real.size - start);
  if (n > 0) await real.read(start, n, buf.subarray(0, n));
  return buf;
}

export class OriginTarget implements BlockTarget {
  constructor(
    readonly real: BlockTarget,
    /** The snapshots of this origin that are active (changes as they come and go). */
    readonly stores: () => CowStore[],
  ) {}
  get size(): number {
    return this.real.size;
  }
  get caps(): TargetCaps {
    return this.real.caps;
  }
  read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    return this.real.read(offset, length, into);
  }
  /**
   * Before the write reaches a chunk, each valid snapshot without an exception for it keeps the
   * old data: the old contents are read once, every snapshot stages its exceptions, and the
   * origin is written only when all of them are committed. Concurrent writers do not wait for
   * each other, only for the chunks they share, so their exceptions commit together.
   */
  async write(offset: number, data: Uint8Array): Promise<void> {
    await this.preserve(offset, data.length);
    await this.real.write(offset, data);
  }
  /** Copies the chunks of [offset, offset+length) that some valid snapshot still needs. */
  private async preserve(offset: number, length: number): Promise<void> {
    if (length) {
      const stores = this.stores().filter((s) => !s.invalid);
      const needs = stores.map((s) => {
        const cb = s.chunkBytes;
        const need: number[] = [];
        const last = Math.min(Math.floor((offset + length - 1) / cb), Math.ceil(s.span / cb) - 1);
        for (let c = Math.floor(offset / cb); c <= last; c++) if (s.lookup(c) === undefined) need.push(c);
        return need;
      });
      if (needs.some((n) => n.length)) {
        // One read of the old contents covers every snapshot (chunk sizes may differ).
        let from = Infinity;
        let to = 0;
        stores.forEach((s, i) => {
          const n = needs[i]!;
          if (!n.length) return;
          from = Math.min(from, n[0]! * s.chunkBytes);
          to = Math.max(to, (n[n.length - 1]! + 1) * s.chunkBytes);
        });
        const old = new Uint8Array(to - from);
        const n = Math.min(to, this.real.size) - from;
        if (n > 0) await this.real.read(from, n, old.subarray(0, n));
        await Promise.all(
          stores.map((s, i) => {
            const cb = s.chunkBytes;
            return needs[i]!.length ? s.addMany(needs[i]!, (c, newChunk) => s.cow.write(newChunk * cb, old.subarray(c * cb - from, (c + 1) * cb - from))) : undefined;
          }),
        );
      }
    }
  }
  flush(): Promise<void> {
    return this.real.flush();
  }
  /**
   * The kernel's snapshot-origin does not pass discards down (it sets no discard limits): freeing
   * origin blocks would change what the snapshots read without copying them first.
   */
  async discard(_offset: number, _length: number): Promise<void> {}
  /**
   * Zeroing changes the data: the snapshots keep the old chunks first, as for a write. In steps,
   * so that the old contents read for copying stay small whatever the length.
   */
  async writeZeroes(offset: number, length: number, noUnmap?: boolean): Promise<void> {
    for (let pos = offset; pos < offset + length; pos += ZERO_STEP) {
      const n = Math.min(ZERO_STEP, offset + length - pos);
      await this.preserve(pos, n);
      await this.real.writeZeroes(pos, n, noUnmap);
    }
  }
  extents(offset: number, length: number): Promise<Extent[]> {
    return this.real.extents(offset, length);
  }
}

export class SnapshotTarget implements BlockTarget {
  constructor(
    readonly real: BlockTarget,
    readonly store: CowStore,
    private readonly readOnly = false,
  ) {}
  /** The origin as it was: an origin extended since keeps its snapshot at the old size. */
  get size(): number {
    return Math.min(this.real.size, this.store.span);
  }
  get caps(): TargetCaps {
    return { readOnly: this.readOnly, discard: false, writeZeroes: true };
  }
  private check(): void {
    if (this.store.invalid) throw new TargetIoError('snapshot is invalid');
  }
  /** Runs of chunks that are all in the origin, or remapped to consecutive COW chunks, are read at once. */
  async read(offset: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    this.check();
    const buf = into ?? new Uint8Array(length);
    const cb = this.store.chunkBytes;
    let run: { from: number; length: number; cowAt?: number } | undefined;
    const flushRun = async () => {
      if (!run) return;
      const view = buf.subarray(run.from, run.from + run.length);
      if (run.cowAt !== undefined) await this.store.cow.read(run.cowAt, run.length, view);
      else await this.real.read(offset + run.from, run.length, view);
      run = undefined;
    };
    for (const c of chunks(offset, length, cb)) {
      const at = this.store.lookup(c.chunk);
      const cowAt = at === undefined ? undefined : at * cb + c.within;
      const joins = run && (run.cowAt === undefined ? cowAt === undefined : cowAt === run.cowAt + run.length);
      if (run && joins) run.length += c.length;
      else {
        await flushRun();
        run = { from: c.from, length: c.length, ...(cowAt !== undefined ? { cowAt } : {}) };
      }
    }
    await flushRun();
    return buf;
  }
  /**
   * Chunks not yet in the COW get one (whole: the origin's data around the written part), all of
   * them committed as one batch; the rest of the write goes to the COW chunks already there.
   */
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    const cb = this.store.chunkBytes;
    const parts = [...chunks(offset, data.length, cb)];
    const need = parts.filter((c) => this.store.lookup(c.chunk) === undefined);
    const filled = new Set<number>();
    let at = new Map<number, number>();
    if (need.length) {
      const byChunk = new Map(need.map((c) => [c.chunk, c]));
      at = await this.store.addMany([...byChunk.keys()], async (chunk, newChunk) => {
        const c = byChunk.get(chunk)!;
        const part = data.subarray(c.from, c.from + c.length);
        const whole = c.length === cb ? new Uint8Array(part) : await originChunk(this.real, chunk, cb);
        if (c.length !== cb) whole.set(part, c.within);
        await this.store.cow.write(newChunk * cb, whole);
        filled.add(chunk);
      });
    }
    for (const c of parts) {
      if (filled.has(c.chunk)) continue;
      const where = this.store.lookup(c.chunk) ?? at.get(c.chunk);
      if (where === undefined) throw new TargetIoError('snapshot is invalid (COW full)');
      await this.store.cow.write(where * cb + c.within, data.subarray(c.from, c.from + c.length));
    }
  }
  async flush(): Promise<void> {
    await this.store.cow.flush();
  }
  async discard(): Promise<void> {}
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.write(offset, new Uint8Array(length));
  }
  async extents(offset: number, length: number): Promise<Extent[]> {
    return [{ length, zero: false }];
  }
}

// The snapshot-origin and snapshot targets: copy-on-write of origin chunks into every valid
// snapshot before an origin write; snapshot I/O from the COW where a chunk is remapped.
import type { BlockTarget, Extent, TargetCaps } from './target.ts';
import { TargetIoError } from './target.ts';
import type { CowStore } from './cow-store.ts';

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
  private lock: Promise<unknown> = Promise.resolve();
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
   * old data: the old contents are read once, and each snapshot commits its new exceptions as one
   * batch (data, flush, exception area, flush) before the origin is written.
   */
  write(offset: number, data: Uint8Array): Promise<void> {
    const run = this.lock.then(async () => {
      for (const s of this.stores()) {
        if (s.invalid || data.length === 0) continue;
        const cb = s.chunkBytes;
        const first = Math.floor(offset / cb);
        const last = Math.floor((offset + data.length - 1) / cb);
        const need: number[] = [];
        for (let c = first; c <= last; c++) if (s.lookup(c) === undefined) need.push(c);
        if (!need.length) continue;
        const old = new Uint8Array((last - first + 1) * cb);
        const n = Math.min((last + 1) * cb, this.real.size) - first * cb;
        await this.real.read(first * cb, n, old.subarray(0, n));
        await s.addMany(need, (c, newChunk) => s.cow.write(newChunk * cb, old.subarray((c - first) * cb, (c - first + 1) * cb)));
      }
      await this.real.write(offset, data);
    });
    this.lock = run.catch(() => undefined);
    return run;
  }
  flush(): Promise<void> {
    return this.real.flush();
  }
  discard(offset: number, length: number): Promise<void> {
    return this.real.discard(offset, length);
  }
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.write(offset, new Uint8Array(length));
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
  get size(): number {
    return this.real.size;
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
  async write(offset: number, data: Uint8Array): Promise<void> {
    this.check();
    const cb = this.store.chunkBytes;
    for (const c of chunks(offset, data.length, cb)) {
      const part = data.subarray(c.from, c.from + c.length);
      let at = this.store.lookup(c.chunk);
      if (at === undefined) {
        at = await this.store.add(c.chunk, async (newChunk) => {
          const whole = c.length === cb ? new Uint8Array(part) : await originChunk(this.real, c.chunk, cb);
          if (c.length !== cb) whole.set(part, c.within);
          await this.store.cow.write(newChunk * cb, whole);
        });
        if (at === undefined) throw new TargetIoError('snapshot is invalid (COW full)');
        continue;
      }
      await this.store.cow.write(at * cb + c.within, part);
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

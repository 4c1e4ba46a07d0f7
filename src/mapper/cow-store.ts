// dm-snapshot's persistent exception store at run time, on a COW device: loads what the kernel (or
// we) wrote, allocates and commits exceptions in the kernel's crash-safe order, and invalidates
// the snapshot when the COW is full.
import type { BlockTarget } from './target.ts';
import { TargetIoError } from './target.ts';
import {
  SNAPSHOT_DISK_VERSION, areaChunk, decodeArea, decodeSnapshotHeader, encodeArea, encodeSnapshotHeader, exceptionsPerArea, isAreaChunk, nextFree, type Exception,
} from '../formats/exception-store.ts';

export class CowStore {
  private readonly map = new Map<number, number>();
  private area: Exception[] = [];
  private currentArea = 0;
  private next = 2;
  private lock: Promise<unknown> = Promise.resolve();
  invalid = false;

  constructor(
    readonly cow: BlockTarget,
    /** Chunk size in sectors. */
    readonly chunk: number,
    private readonly log: (m: string) => void = () => undefined,
  ) {}

  get chunkBytes(): number {
    return this.chunk * 512;
  }

  /** Reads the header and the exception table; a zeroed COW becomes a fresh snapshot. */
  async load(): Promise<void> {
    const head = decodeSnapshotHeader(await this.cow.read(0, this.chunkBytes));
    if (head.kind === 'corrupt') throw new TargetIoError('Invalid or corrupt snapshot');
    if (head.kind === 'new') {
      await this.cow.write(this.chunkBytes, new Uint8Array(this.chunkBytes));
      await this.cow.write(0, encodeSnapshotHeader({ valid: true, version: SNAPSHOT_DISK_VERSION, chunkSize: this.chunk }, this.chunkBytes));
      await this.cow.flush();
      return;
    }
    if (head.header.version !== SNAPSHOT_DISK_VERSION) throw new TargetIoError(`Unsupported snapshot version ${head.header.version}`);
    if (!head.header.valid) {
      this.invalid = true;
      return;
    }
    for (let k = 0; ; k++) {
      const at = areaChunk(this.chunk, k);
      if ((at + 1) * this.chunkBytes > this.cow.size) break;
      const { records, full } = decodeArea(await this.cow.read(at * this.chunkBytes, this.chunkBytes), this.chunk);
      for (const r of records) {
        this.map.set(r.oldChunk, r.newChunk);
        if (r.newChunk + 1 > this.next) this.next = r.newChunk + 1;
      }
      this.currentArea = k;
      this.area = full ? [] : records;
      if (!full) break;
      this.currentArea = k + 1;
    }
    if (isAreaChunk(this.chunk, this.next)) this.next++;
  }

  lookup(oldChunk: number): number | undefined {
    return this.map.get(oldChunk);
  }

  /** Every committed exception, origin chunk → COW chunk. */
  exceptions(): [number, number][] {
    return [...this.map];
  }

  /**
   * After a merge copied every exception back into the origin: an empty table on disk (the first
   * area zeroed ends the table, as the kernel reads it), so a crash after this point cannot merge
   * stale chunks over newer origin writes.
   */
  clearTable(): Promise<void> {
    return this.serial(async () => {
      await this.cow.write(areaChunk(this.chunk, 0) * this.chunkBytes, new Uint8Array(this.chunkBytes));
      await this.cow.flush();
      this.map.clear();
      this.area = [];
      this.currentArea = 0;
      this.next = 2;
    });
  }

  /** Mutations of the table one at a time, in allocation order (as the kernel completes them). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Adds an exception for `oldChunk` whose data `fill(newChunk)` puts in place first; the area
   * then goes out with a flush (data before table), and only then is the exception visible.
   * Returns the COW chunk, or undefined when the COW is full (the snapshot is then invalid).
   */
  async add(oldChunk: number, fill: (newChunk: number) => Promise<void>): Promise<number | undefined> {
    const r = await this.addMany([oldChunk], (_old, n) => fill(n));
    return r.get(oldChunk);
  }

  /**
   * Exceptions for several origin chunks committed together, as the kernel batches pending
   * exceptions into one area write: every chunk's data, one flush, the area, one flush. Chunks
   * already remapped are returned as they are; a COW that fills up invalidates the snapshot and
   * the chunks not yet committed are left out of the result.
   */
  addMany(oldChunks: number[], fill: (oldChunk: number, newChunk: number) => Promise<void>): Promise<Map<number, number>> {
    return this.serial(async () => {
      const out = new Map<number, number>();
      let pending: Exception[] = [];
      const pendingOf = new Map<number, number>();
      const commit = async () => {
        await this.cow.flush();
        await this.cow.write(areaChunk(this.chunk, this.currentArea) * this.chunkBytes, encodeArea(this.area, this.chunk));
        await this.cow.flush();
        for (const p of pending) {
          this.map.set(p.oldChunk, p.newChunk);
          out.set(p.oldChunk, p.newChunk);
        }
        pending = [];
        pendingOf.clear();
      };
      const e = exceptionsPerArea(this.chunk);
      for (const oldChunk of oldChunks) {
        if (this.invalid) return out;
        const existing = this.map.get(oldChunk) ?? pendingOf.get(oldChunk);
        if (existing !== undefined) {
          out.set(oldChunk, existing);
          continue;
        }
        if ((this.next + 1) * this.chunkBytes > this.cow.size) {
          if (pending.length) await commit();
          await this.invalidate('Unable to allocate exception.');
          return out;
        }
        const chunk = this.next;
        this.next = nextFree(this.chunk, this.next);
        await fill(oldChunk, chunk);
        const rec = { oldChunk, newChunk: chunk };
        this.area.push(rec);
        pending.push(rec);
        pendingOf.set(oldChunk, chunk);
        if (this.area.length === e) {
          const nextArea = areaChunk(this.chunk, this.currentArea + 1);
          if ((nextArea + 1) * this.chunkBytes > this.cow.size) {
            this.area.pop();
            pending.pop();
            pendingOf.delete(oldChunk);
            if (pending.length) await commit();
            await this.invalidate('Unable to allocate exception.');
            return out;
          }
          await this.cow.write(nextArea * this.chunkBytes, new Uint8Array(this.chunkBytes));
          await commit();
          this.currentArea++;
          this.area = [];
        }
      }
      if (pending.length) await commit();
      return out;
    });
  }

  /** The kernel's message, and the header's valid flag cleared on disk. */
  async invalidate(why: string): Promise<void> {
    if (this.invalid) return;
    this.invalid = true;
    this.log(`device-mapper: snapshots: Invalidating snapshot: ${why}`);
    await this.cow.write(0, encodeSnapshotHeader({ valid: false, version: SNAPSHOT_DISK_VERSION, chunkSize: this.chunk }, this.chunkBytes));
    await this.cow.flush();
  }

  /** The status numbers: sectors allocated, total, metadata (dm-snapshot's `a/t m`). */
  usage(): { allocated: number; total: number; metadata: number } {
    return { allocated: this.next * this.chunk, total: Math.floor(this.cow.size / 512), metadata: (this.currentArea + 2) * this.chunk };
  }

  /** lvm2's Data% of a snapshot: invalid → 100, nothing but metadata → 0, else the ratio. */
  percent(): number {
    if (this.invalid) return 100;
    const u = this.usage();
    if (u.allocated === u.metadata) return 0;
    return (100 * u.allocated) / u.total;
  }
}

// dm-snapshot's persistent exception store at run time, on a COW device: loads what the kernel (or
// we) wrote, allocates and commits exceptions in the kernel's crash-safe order, and invalidates
// the snapshot when the COW is full.
import type { BlockTarget } from './target.ts';
import { TargetIoError } from './target.ts';
import {
  SNAPSHOT_DISK_VERSION, areaChunk, decodeArea, decodeSnapshotHeader, encodeArea, encodeSnapshotHeader, exceptionsPerArea, isAreaChunk, nextFree, type Exception,
} from '../formats/exception-store.ts';
import { snapshotPercent } from '../segtypes/snapshot.ts';

interface Staged {
  oldChunk: number;
  newChunk: number;
  /** Its data is in place: it may be committed. */
  ready: boolean;
  /** Resolves true once committed, false when dropped (the snapshot became invalid). */
  done: Promise<boolean>;
  settle: (ok: boolean) => void;
}

export class CowStore {
  private readonly map = new Map<number, number>();
  /** Exceptions given a COW chunk but not yet committed, in allocation order. */
  private staged: Staged[] = [];
  private readonly pendingOf = new Map<number, Staged>();
  private committer?: Promise<void>;
  private area: Exception[] = [];
  private currentArea = 0;
  private next = 2;
  invalid = false;

  constructor(
    readonly cow: BlockTarget,
    /** Chunk size in sectors. */
    readonly chunk: number,
    private readonly log: (m: string) => void = () => undefined,
    /**
     * Bytes of the origin the snapshot covers (its table's length: the origin's size when it was
     * taken). An origin extended later writes past it without copying, as the kernel skips a
     * snapshot shorter than the write.
     */
    readonly span = Infinity,
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
  async clearTable(): Promise<void> {
    await this.idle();
    await this.cow.write(areaChunk(this.chunk, 0) * this.chunkBytes, new Uint8Array(this.chunkBytes));
    await this.cow.flush();
    this.map.clear();
    this.area = [];
    this.currentArea = 0;
    this.next = 2;
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
   * Exceptions for several origin chunks. New ones get their COW chunk at once (so a concurrent
   * writer of the same chunk waits for this one instead of copying again), their data is put in
   * place by `fill`, and then they are committed with everything else ready at that moment, as
   * the kernel groups pending exceptions: all data, one flush, the area(s), one flush. Resolves
   * when every chunk asked for is committed (by this call or a concurrent one); chunks the COW
   * had no room for are left out, and the snapshot is then invalid.
   */
  async addMany(oldChunks: number[], fill: (oldChunk: number, newChunk: number) => Promise<void>): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const mine: Staged[] = [];
    const others: Staged[] = [];
    let full = false;
    for (const oldChunk of oldChunks) {
      if (this.invalid) break;
      const existing = this.map.get(oldChunk);
      if (existing !== undefined) {
        out.set(oldChunk, existing);
        continue;
      }
      const pending = this.pendingOf.get(oldChunk);
      if (pending) {
        others.push(pending);
        continue;
      }
      if (!this.room()) {
        full = true;
        break;
      }
      let settle!: (ok: boolean) => void;
      const done = new Promise<boolean>((r) => (settle = r));
      const st: Staged = { oldChunk, newChunk: this.next, ready: false, done, settle };
      this.next = nextFree(this.chunk, this.next);
      this.staged.push(st);
      this.pendingOf.set(oldChunk, st);
      mine.push(st);
    }
    const fills = await Promise.allSettled(
      mine.map(async (st) => {
        await fill(st.oldChunk, st.newChunk);
        st.ready = true;
      }),
    );
    const failed = fills.find((f): f is PromiseRejectedResult => f.status === 'rejected');
    if (failed) {
      // The kernel invalidates a snapshot whose COW it cannot write.
      await this.invalidate('Error writing exception data.');
      this.dropStaged();
      throw failed.reason;
    }
    this.kick();
    for (const st of [...mine, ...others]) if (await st.done) out.set(st.oldChunk, st.newChunk);
    if (full) {
      await this.idle();
      await this.invalidate('Unable to allocate exception.');
    }
    return out;
  }

  /** Whether one more exception fits: its data chunk, and the next area once it fills one. */
  private room(): boolean {
    if ((this.next + 1) * this.chunkBytes > this.cow.size) return false;
    const e = exceptionsPerArea(this.chunk);
    const record = this.currentArea * e + this.area.length + this.staged.length;
    if ((record + 1) % e !== 0) return true;
    const nextArea = areaChunk(this.chunk, (record + 1) / e);
    return (nextArea + 1) * this.chunkBytes <= this.cow.size;
  }

  /** Starts the committer unless it runs: it commits whatever is ready, batch after batch. */
  private kick(): void {
    if (this.committer) return;
    const run = async (): Promise<void> => {
      for (;;) {
        // Only a prefix of the staged list may go: its records take the next slots in order.
        let n = 0;
        while (n < this.staged.length && this.staged[n]!.ready) n++;
        if (n === 0) return;
        await this.commitBatch(this.staged.splice(0, n));
      }
    };
    // Cleared asynchronously, after the assignment, even when there was nothing to commit.
    const p: Promise<void> = run().finally(() => {
      if (this.committer === p) this.committer = undefined;
    });
    this.committer = p;
  }

  private async idle(): Promise<void> {
    while (this.committer) await this.committer;
  }

  private async commitBatch(batch: Staged[]): Promise<void> {
    if (this.invalid) {
      for (const st of batch) this.settle(st, false);
      return;
    }
    const e = exceptionsPerArea(this.chunk);
    const cb = this.chunkBytes;
    try {
      // Areas this batch opens are zeroed before the flush, so a full area is never followed by stale bytes.
      const opened = Math.floor((this.area.length + batch.length) / e);
      for (let k = 1; k <= opened; k++) await this.cow.write(areaChunk(this.chunk, this.currentArea + k) * cb, new Uint8Array(cb));
      await this.cow.flush();
      for (const st of batch) {
        this.area.push({ oldChunk: st.oldChunk, newChunk: st.newChunk });
        if (this.area.length === e) {
          await this.cow.write(areaChunk(this.chunk, this.currentArea) * cb, encodeArea(this.area, this.chunk));
          this.currentArea++;
          this.area = [];
        }
      }
      if (this.area.length) await this.cow.write(areaChunk(this.chunk, this.currentArea) * cb, encodeArea(this.area, this.chunk));
      await this.cow.flush();
    } catch (err) {
      this.log(`device-mapper: snapshots: Invalidating snapshot: Error writing exception table.`);
      this.invalid = true;
      for (const st of batch) this.settle(st, false);
      this.dropStaged();
      this.log(`device-mapper: snapshots: ${(err as Error).message}`);
      return;
    }
    for (const st of batch) {
      this.map.set(st.oldChunk, st.newChunk);
      this.settle(st, true);
    }
  }

  private settle(st: Staged, ok: boolean): void {
    this.pendingOf.delete(st.oldChunk);
    st.settle(ok);
  }

  /** After invalidation: nothing staged will be committed. */
  private dropStaged(): void {
    for (const st of this.staged.splice(0)) this.settle(st, false);
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
    return snapshotPercent({ ...this.usage(), invalid: this.invalid });
  }
}

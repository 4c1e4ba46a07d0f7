// The snapshot-merge target's work (dm-snap's snapshot_merge_next_chunks and merge_callback): the
// merging store's exceptions are copied back over the origin from the end of the table, a run of
// consecutive chunks at a time; after each run the origin is flushed and the run leaves the table
// on disk, so a merge cut anywhere resumes from what is left. Origin writes go through a
// snapshot-origin target over the other snapshots, which first keep their own copy of what the
// merge overwrites (as the kernel's merge does with origin_write_extent).
import type { BlockTarget } from './target.ts';
import type { CowStore } from './cow-store.ts';
import { OriginTarget } from './snapshot-targets.ts';
import { MergingStore, type MergeRun } from './merging-store.ts';

export interface MergeProgress {
  /** Chunks copied back so far, out of `total`. */
  done: number;
  total: number;
}

/** Thrown by a merge that was stopped (its origin went down): the rest waits for the next activation. */
export class MergeStopped extends Error {}

/** The kernel copies at most one area's run per step; 1 MiB keeps big chunk sizes in bounds too. */
const MAX_RUN_BYTES = 1 << 20;

export class SnapshotMerge {
  /** The run being copied: origin writes to it wait until it is committed. */
  private step?: { first: number; n: number; done: Promise<void> };
  /** COW writes in flight per origin chunk (a step waits for those of its chunks). */
  private readonly inflight = new Map<number, Set<Promise<void>>>();
  private running?: Promise<void>;
  private gate?: Promise<void>;
  private stopped = false;

  constructor(
    /** The origin's plain table (replaced while paused, when the origin is reloaded). */
    public real: BlockTarget,
    readonly store: MergingStore,
    /** The origin's other active snapshots. */
    readonly others: () => CowStore[],
    /** A pause after each step: only tests set it, to catch a merge in the middle. */
    private readonly stepDelayMs = 0,
  ) {}

  get chunkBytes(): number {
    return this.store.chunkBytes;
  }

  /** Steps until the table is empty; resolves once the origin holds everything, flushed. */
  async run(progress: (p: MergeProgress) => void = () => undefined): Promise<MergeProgress> {
    const total = this.store.remaining;
    const maxRun = Math.max(1, Math.floor(MAX_RUN_BYTES / this.chunkBytes));
    let done = 0;
    for (;;) {
      if (this.stopped) throw new MergeStopped('merge stopped');
      if (this.gate) {
        await this.gate;
        continue;
      }
      const r = this.store.prepare(maxRun);
      if (!r) break;
      const p = this.copy(r);
      this.running = p;
      try {
        await p;
      } finally {
        this.running = undefined;
      }
      done += r.n;
      progress({ done, total });
      if (this.stepDelayMs > 0) await new Promise((res) => setTimeout(res, this.stepDelayMs));
    }
    await this.real.flush();
    return { done, total };
  }

  private async copy(r: MergeRun): Promise<void> {
    let release!: () => void;
    // Set before the first await: a writer checking after this sees the run as busy.
    this.step = { first: r.oldChunk, n: r.n, done: new Promise<void>((res) => (release = res)) };
    try {
      for (let c = r.oldChunk; c < r.oldChunk + r.n; c++) await Promise.all([...(this.inflight.get(c) ?? [])]);
      const cb = this.chunkBytes;
      const start = r.oldChunk * cb;
      // The last origin chunk can be partial when the origin is not a whole number of chunks.
      const length = Math.min(r.n * cb, this.real.size - start);
      if (length > 0) {
        const data = await this.store.cow.read(r.newChunk * cb, length);
        await new OriginTarget(this.real, this.others).write(start, data);
      }
      // The data is on the origin before the table forgets it.
      await this.real.flush();
      await this.store.commit(r.n);
    } finally {
      this.step = undefined;
      release();
    }
  }

  /** The step a write to chunks [first, last] must wait for, if it overlaps them. */
  busy(first: number, last: number): Promise<void> | undefined {
    const s = this.step;
    if (!s || last < s.first || first >= s.first + s.n) return undefined;
    return s.done;
  }

  /** A write into the COW on behalf of origin chunk `chunk`, which a step of that chunk awaits. */
  track(chunk: number, write: Promise<void>): Promise<void> {
    let set = this.inflight.get(chunk);
    if (!set) this.inflight.set(chunk, (set = new Set()));
    const p = write.finally(() => {
      set.delete(p);
      if (!set.size) this.inflight.delete(chunk);
    });
    set.add(p);
    return p;
  }

  /** Holds the merge between two steps (for a reload of the origin); call the result to go on. */
  async pause(): Promise<() => void> {
    let open!: () => void;
    const gate = new Promise<void>((res) => (open = res));
    this.gate = gate;
    await this.running?.catch(() => undefined);
    return () => {
      if (this.gate === gate) this.gate = undefined;
      open();
    };
  }

  /** Stops after the current step (the origin is going down); the table keeps what is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }
}

/**
 * Merges a snapshot's COW (`store`: its device and chunk size) into the origin's plain table at
 * once, reading the table from disk. Re-running it after a cut finishes what is left.
 */
export async function mergeSnapshot(
  real: BlockTarget,
  store: { cow: BlockTarget; chunk: number },
  others: () => CowStore[],
  progress: (p: MergeProgress) => void = () => undefined,
): Promise<MergeProgress> {
  const ms = new MergingStore(store.cow, store.chunk);
  await ms.load();
  return new SnapshotMerge(real, ms, others).run(progress);
}

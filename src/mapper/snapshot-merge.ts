// The snapshot-merge target's work, done at once: every chunk the snapshot remapped is copied from
// its COW back over the origin, so the origin reads as the snapshot did. Origin writes go through a
// snapshot-origin target over the other snapshots, which first keep their own copy of what the
// merge overwrites (as the kernel's merge does with origin_write_extent).
import type { BlockTarget } from './target.ts';
import type { CowStore } from './cow-store.ts';
import { OriginTarget } from './snapshot-targets.ts';

export interface MergeProgress {
  /** Chunks copied back so far, out of `total`. */
  done: number;
  total: number;
}

/**
 * Copies the merging store's exceptions back into the origin (`real`, the origin's plain table),
 * runs of consecutive chunks at a time, then flushes and empties the store's table. Re-running it
 * after a crash before the table is emptied copies the same data again, so it is idempotent.
 */
export async function mergeSnapshot(
  real: BlockTarget,
  store: CowStore,
  others: () => CowStore[],
  progress: (p: MergeProgress) => void = () => undefined,
): Promise<MergeProgress> {
  const origin = new OriginTarget(real, others);
  const cb = store.chunkBytes;
  const todo = store.exceptions().sort((a, b) => a[0] - b[0]);
  const MAX_RUN = Math.max(1, Math.floor((1 << 20) / cb));
  let done = 0;
  for (let i = 0; i < todo.length; ) {
    // A run: consecutive origin chunks stored in consecutive COW chunks (usual for sequential writes).
    let n = 1;
    while (i + n < todo.length && n < MAX_RUN && todo[i + n]![0] === todo[i]![0] + n && todo[i + n]![1] === todo[i]![1] + n) n++;
    const [oldChunk, newChunk] = todo[i]!;
    const start = oldChunk * cb;
    // The last origin chunk can be partial when the origin is not a whole number of chunks.
    const length = Math.min(n * cb, real.size - start);
    if (length > 0) {
      const data = await store.cow.read(newChunk * cb, length);
      await origin.write(start, data);
    }
    i += n;
    done += n;
    progress({ done, total: todo.length });
  }
  await real.flush();
  await store.clearTable();
  return { done, total: todo.length };
}

// A persistent exception store while it merges (dm-snap-persistent's prepare_merge/commit_merge):
// the table is consumed from its end, a run of consecutive exceptions at a time, and each run is
// cleared on disk once its data is back in the origin. What is left on disk is always a valid,
// shorter table, so the kernel (or ulvm) resumes a cut merge where it stopped.
import type { BlockTarget } from './target.ts';
import { TargetIoError } from './target.ts';
import { areaChunk, decodeArea, decodeSnapshotHeader, encodeArea, snapshotUsage, type Exception } from '../formats/exception-store.ts';

/** The run the next merge step copies: `n` origin chunks from `oldChunk`, stored from `newChunk`. */
export interface MergeRun {
  oldChunk: number;
  newChunk: number;
  n: number;
}

export class MergingStore {
  private readonly map = new Map<number, number>();
  /** Records of every area read, in table order; the last ones are consumed first. */
  private areas: Exception[][] = [];
  invalid = false;

  constructor(
    readonly cow: BlockTarget,
    /** Chunk size in sectors. */
    readonly chunk: number,
  ) {}

  get chunkBytes(): number {
    return this.chunk * 512;
  }

  /** Reads the table as the kernel does: area after area until one is not full. */
  async load(): Promise<void> {
    const head = decodeSnapshotHeader(await this.cow.read(0, this.chunkBytes));
    if (head.kind === 'corrupt') throw new TargetIoError('Invalid or corrupt snapshot');
    if (head.kind === 'new') return;
    if (!head.header.valid) {
      this.invalid = true;
      return;
    }
    for (let k = 0; ; k++) {
      const at = areaChunk(this.chunk, k);
      if ((at + 1) * this.chunkBytes > this.cow.size) break;
      const { records, full } = decodeArea(await this.cow.read(at * this.chunkBytes, this.chunkBytes), this.chunk);
      this.areas.push(records);
      for (const r of records) this.map.set(r.oldChunk, r.newChunk);
      if (!full) break;
    }
    if (!this.areas.length) this.areas.push([]);
  }

  lookup(oldChunk: number): number | undefined {
    return this.map.get(oldChunk);
  }

  /** Exceptions not merged yet. */
  get remaining(): number {
    return this.map.size;
  }

  private get current(): number {
    return this.areas.length - 1;
  }

  /**
   * prepare_merge: the last exception and those before it in the same area whose origin and COW
   * chunks both run consecutively up to it (at most `max`). An empty last area gives way to the
   * one before. Undefined when nothing is left.
   */
  prepare(max: number): MergeRun | undefined {
    while (this.areas.length > 1 && this.areas[this.current]!.length === 0) this.areas.pop();
    const area = this.areas[this.current]!;
    if (!area.length) return undefined;
    const last = area[area.length - 1]!;
    let n = 1;
    while (n < area.length && n < max) {
      const r = area[area.length - 1 - n]!;
      if (r.oldChunk !== last.oldChunk - n || r.newChunk !== last.newChunk - n) break;
      n++;
    }
    return { oldChunk: last.oldChunk - n + 1, newChunk: last.newChunk - n + 1, n };
  }

  /**
   * commit_merge: the run's records leave the area on disk (zeroed: the table now ends before
   * them), written and flushed before anything else happens, then leave the map.
   */
  async commit(n: number): Promise<void> {
    const k = this.current;
    const area = this.areas[k]!;
    const kept = area.slice(0, area.length - n);
    await this.cow.write(areaChunk(this.chunk, k) * this.chunkBytes, encodeArea(kept, this.chunk));
    await this.cow.flush();
    for (const r of area.slice(kept.length)) this.map.delete(r.oldChunk);
    this.areas[k] = kept;
  }

  /**
   * The snapshot-merge status numbers: while merging, the kernel counts next_free as if the
   * exceptions had been committed in order (area location + committed + 1).
   */
  usage(): { allocated: number; total: number; metadata: number } {
    const k = this.current;
    const committed = this.areas[k]!.length;
    const u = snapshotUsage(areaChunk(this.chunk, k) + committed + 1, k, this.chunk);
    return { ...u, total: Math.floor(this.cow.size / 512) };
  }
}


// Decoded chunks kept for readers of a mounted backup: least recently used first out, bounded by
// bytes (chunks are megabytes: a count would not bound memory), and one fetch per chunk however
// many readers want it at once. Keyed by chunk id, so chunks deduplicated across offsets and
// volumes are fetched and held once.
import type { ChunkSource } from './chunk-source.ts';
import type { ChunkId } from './types.ts';
import { newMountStats, type BackupMountStats } from './mount-stats.ts';

export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/**
 * Fetches running at once. Each ends as a decoded chunk in memory beside the cache, so this
 * bounds what many clients reading far apart can make the process hold.
 */
export const DEFAULT_MAX_FETCHES = 8;

export class ChunkCache {
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly held = new Map<ChunkId, Uint8Array>();
  private readonly pending = new Map<ChunkId, Promise<Uint8Array>>();
  private bytes = 0;
  private fetching = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly source: ChunkSource,
    readonly maxBytes = DEFAULT_CACHE_BYTES,
    readonly stats: BackupMountStats = newMountStats(),
    readonly maxFetches = DEFAULT_MAX_FETCHES,
  ) {}

  /** Whether a fetch could start now without waiting (read-ahead only uses idle capacity). */
  get idle(): boolean {
    return this.fetching < this.maxFetches;
  }

  /** Whether the chunk is held or on its way (read-ahead skips those). */
  has(id: ChunkId): boolean {
    return this.held.has(id) || this.pending.has(id);
  }

  /**
   * The chunk's bytes, checked to be `length` long (a chunk of the wrong size would shift every
   * byte after it). `ahead` marks read-ahead, for the figures only.
   */
  get(id: ChunkId, length: number, ahead = false): Promise<Uint8Array> {
    const hit = this.held.get(id);
    if (hit) {
      this.held.delete(id);
      this.held.set(id, hit);
      if (!ahead) this.stats.cacheHits++;
      return Promise.resolve(hit);
    }
    const inFlight = this.pending.get(id);
    if (inFlight) {
      if (!ahead) this.stats.sharedFetches++;
      return inFlight;
    }
    if (!ahead) this.stats.cacheMisses++;
    const p = this.fetch(id, length, ahead);
    this.pending.set(id, p);
    // A failed fetch is forgotten with the rest: the next reader tries again.
    p.then(
      () => this.pending.delete(id),
      () => this.pending.delete(id),
    );
    return p;
  }

  private async fetch(id: ChunkId, length: number, ahead: boolean): Promise<Uint8Array> {
    while (this.fetching >= this.maxFetches) await new Promise<void>((r) => this.waiting.push(r));
    this.fetching++;
    let data: Uint8Array;
    try {
      data = await this.source.readChunk(id);
    } finally {
      this.fetching--;
      this.waiting.shift()?.();
    }
    if (data.length !== length) throw new Error(`chunk ${id} has ${data.length} bytes, ${length} expected`);
    this.stats.chunksFetched++;
    this.stats.bytesFetched += data.length;
    if (ahead) this.stats.readAheadFetches++;
    this.keep(id, data);
    return data;
  }

  private keep(id: ChunkId, data: Uint8Array): void {
    // A chunk larger than the whole cache is served and dropped.
    if (data.length > this.maxBytes || this.held.has(id)) return;
    while (this.bytes + data.length > this.maxBytes) {
      const [oldest, old] = this.held.entries().next().value as [ChunkId, Uint8Array];
      this.held.delete(oldest);
      this.bytes -= old.length;
    }
    this.held.set(id, data);
    this.bytes += data.length;
    this.stats.cacheBytes = this.bytes;
    this.stats.cachePeakBytes = Math.max(this.stats.cachePeakBytes, this.bytes);
  }

  /** Bytes held now (the bound's test reads it). */
  get heldBytes(): number {
    return this.bytes;
  }
}

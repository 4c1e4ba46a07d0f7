// What serving a backup cost: how often the repository was asked, and how often the cache spared
// it. One object per mount, shared by its exports (they share one chunk cache).
export interface BackupMountStats {
  /** Chunks read from the repository (read-ahead included). */
  chunksFetched: number;
  /** Their plain bytes. */
  bytesFetched: number;
  /** Of chunksFetched, those fetched ahead of a sequential reader. */
  readAheadFetches: number;
  /** Chunk lookups answered from the cache. */
  cacheHits: number;
  /** Chunk lookups that joined a fetch already in flight (another reader, or read-ahead). */
  sharedFetches: number;
  /** Chunk lookups that had to fetch. */
  cacheMisses: number;
  /** Bytes of all-zero chunks served without asking the repository. */
  zeroBytesServed: number;
  /** Decoded chunks held now, and the most held at once (bytes). */
  cacheBytes: number;
  cachePeakBytes: number;
  /** 4 KiB blocks written to overlays. */
  overlayBlocksWritten: number;
}

export function newMountStats(): BackupMountStats {
  return { chunksFetched: 0, bytesFetched: 0, readAheadFetches: 0, cacheHits: 0, sharedFetches: 0, cacheMisses: 0, zeroBytesServed: 0, cacheBytes: 0, cachePeakBytes: 0, overlayBlocksWritten: 0 };
}

// Where instant restore gets a backup's chunks from: the repository (which decrypts, decompresses
// and checks each one) satisfies it; tests use a map in memory.
import type { ChunkId } from './types.ts';

export interface ChunkSource {
  /** The chunk's plain bytes; rejects when the chunk is missing or fails its check. */
  readChunk(id: ChunkId): Promise<Uint8Array>;
}

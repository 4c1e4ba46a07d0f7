// A backup held in memory for instant-restore tests: a volume image cut into chunks (all-zero
// ones stored as nothing, as the repository does), and a chunk source that counts its fetches,
// can be slowed down, and can be told to fail.
import { createHash } from 'node:crypto';
import type { ChunkSource } from '../../src/backup/chunk-source.ts';
import type { BackupVolume, ChunkId } from '../../src/backup/types.ts';

export class FakeChunkSource implements ChunkSource {
  readonly chunks = new Map<ChunkId, Uint8Array>();
  /** Fetches per chunk id. */
  readonly fetches = new Map<ChunkId, number>();
  fetchCount = 0;
  /** Milliseconds each fetch waits (a repository on a slow disk). */
  delayMs = 0;
  /** Ids whose fetch fails. */
  failing = new Set<ChunkId>();
  /** Fetches running now, and the most at once. */
  running = 0;
  maxRunning = 0;

  async readChunk(id: ChunkId): Promise<Uint8Array> {
    this.fetchCount++;
    this.fetches.set(id, (this.fetches.get(id) ?? 0) + 1);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      else await Promise.resolve();
      if (this.failing.has(id)) throw new Error(`pack of ${id} unreadable`);
      const c = this.chunks.get(id);
      if (!c) throw new Error(`no chunk ${id}`);
      // A fresh copy each time, as a repository decrypting it would hand out.
      return c.slice();
    } finally {
      this.running--;
    }
  }
}

/** Cuts `image` into a backup volume whose chunks land in `source`. */
export function backupOf(image: Uint8Array, chunkSize: number, source: FakeChunkSource, name = { vg: 'vg0', lv: 'data' }): BackupVolume {
  const chunks: (ChunkId | null)[] = [];
  for (let at = 0; at < image.length; at += chunkSize) {
    const c = image.subarray(at, Math.min(image.length, at + chunkSize));
    if (c.every((b) => b === 0)) {
      chunks.push(null);
      continue;
    }
    const id = createHash('sha256').update(c).digest('hex');
    source.chunks.set(id, c.slice());
    chunks.push(id);
  }
  return {
    vg: name.vg,
    lv: name.lv,
    lvUuid: 'fake-uuid-' + name.lv,
    size: image.length,
    chunkSize,
    chunks,
    snapshot: { name: `${name.lv}_snap`, kind: 'none' },
    tracker: 'full',
    audit: { sampled: 0, mismatched: 0 },
    bytesRead: image.length,
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

// Shared by the backup-repo*.test.ts files: a scratch folder, a cheap KDF, deterministic chunk
// data, a storage wrapper that crashes or fills up on cue, and a small backup run over a repository.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createHash } from 'node:crypto';
import type { BackupManifest, ChunkId, RepoStorage } from '../../src/backup/types.ts';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { Repository } from '../../src/backup/repo/repository.ts';

export const CHEAP_KDF = { N: 2 ** 10, r: 8, p: 1 };
export const KEY = { passphrase: 'correct horse battery staple' };

export function scratch(t: { after: (fn: () => void) => void }, name = 'ulvm-repo-'): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function newRepo(dir: string, o: { chunkSize?: number; packSize?: number } = {}): Promise<{ storage: LocalStorage; repo: Repository }> {
  const storage = new LocalStorage(join(dir, 'repo'), { create: true });
  const repo = await Repository.init(storage, KEY, { kdf: CHEAP_KDF, chunkSize: o.chunkSize ?? 64 * 1024, packSize: o.packSize ?? 256 * 1024 });
  return { storage, repo };
}

/** Deterministic bytes that do not compress (a hash stream), or with `compressible`, text-like ones. */
export function chunkData(seed: string, size: number, compressible = false): Buffer {
  const b = Buffer.alloc(size);
  if (compressible) {
    const line = Buffer.from(`${seed} the quick brown fox jumps over the lazy dog\n`);
    for (let o = 0; o < size; o += line.length) line.copy(b, o);
    return b;
  }
  let block = createHash('sha256').update(seed).digest();
  for (let o = 0; o < size; o += 32) {
    block.copy(b, o);
    block = createHash('sha256').update(block).digest();
  }
  return b;
}

export class Crash extends Error {
  constructor() {
    super('simulated crash');
  }
}

/**
 * A storage that dies at the Nth write (put or delete; `puts` counts both): before writing anything ('before'), or after leaving a torn
 * temporary file beside the object, as a killed writer would ('partial'). From then on every call
 * throws, as if the process were gone. With `enospc`, the Nth put and later ones fail with ENOSPC
 * instead, and other calls keep working (a full disk, not a crash).
 */
export class FaultyStorage implements RepoStorage {
  puts = 0;
  dead = false;
  constructor(
    readonly inner: LocalStorage,
    public failAt: number,
    private readonly mode: 'before' | 'partial' | 'enospc' = 'before',
  ) {}
  get location(): string {
    return this.inner.location;
  }
  private alive(): void {
    if (this.dead) throw new Crash();
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    this.alive();
    return this.inner.get(key);
  }
  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    this.alive();
    return this.inner.getRange(key, offset, length);
  }
  async put(key: string, data: Uint8Array, o?: { ifAbsent?: boolean }): Promise<boolean> {
    this.alive();
    this.puts++;
    if (this.puts >= this.failAt) {
      if (this.mode === 'enospc') throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
      if (this.puts === this.failAt) {
        this.dead = true;
        if (this.mode === 'partial') {
          const p = join(this.inner.location, ...key.split('/'));
          try {
            writeFileSync(join(dirname(p), '.tmp-torn'), data.subarray(0, Math.floor(data.length / 2)));
          } catch {
            // The folder may not exist yet: nothing torn to leave.
          }
        }
        throw new Crash();
      }
    }
    return this.inner.put(key, data, o);
  }
  async list(prefix: string): Promise<string[]> {
    this.alive();
    return this.inner.list(prefix);
  }
  async delete(key: string): Promise<void> {
    this.alive();
    // Deletes are writes too: a crash can come between any two of them (a full disk still deletes).
    if (this.mode === 'enospc') return this.inner.delete(key);
    this.puts++;
    if (this.puts === this.failAt) {
      this.dead = true;
      throw new Crash();
    }
    return this.inner.delete(key);
  }
  async size(key: string): Promise<number | undefined> {
    this.alive();
    return this.inner.size(key);
  }
}

export function manifest(id: string, time: number, volumes: { lv: string; size: number; chunkSize: number; chunks: (ChunkId | null)[] }[], extra: Partial<BackupManifest> = {}): BackupManifest {
  return {
    id,
    time,
    host: 'host1',
    vg: 'vg0',
    consistency: 'crash-consistent',
    hooks: [],
    tags: [],
    pinned: false,
    volumes: volumes.map((v) => ({
      vg: 'vg0',
      lv: v.lv,
      lvUuid: `uuid-${v.lv}`,
      size: v.size,
      chunkSize: v.chunkSize,
      chunks: v.chunks,
      snapshot: { name: `${v.lv}_snap`, kind: 'thin' },
      tracker: 'full',
      audit: { sampled: 0, mismatched: 0 },
      bytesRead: v.size,
    })),
    stats: { bytesRead: 0, bytesNew: 0, bytesStored: 0, chunksNew: 0, chunksReused: 0, chunksZero: 0, durationMs: 0 },
    ...extra,
  };
}

/**
 * A backup run as the orchestration will do it: shared lock, chunks put in order (zeros as null),
 * a flush and a checkpoint every `every` chunks (the resume points), the backup saved, the
 * checkpoint dropped. Returns what it stored and the chunks durable at each resume point.
 */
export async function smallBackup(
  repo: Repository,
  id: string,
  data: Buffer[],
  o: { every?: number; time?: number; lv?: string } = {},
): Promise<{ isNew: number; resumePoints: ChunkId[][]; ids: (ChunkId | null)[] }> {
  const every = o.every ?? 3;
  const release = await repo.lock('shared', `backup ${id}`);
  const ids: (ChunkId | null)[] = [];
  const resumePoints: ChunkId[][] = [];
  let isNew = 0;
  try {
    for (const [i, d] of data.entries()) {
      if (d.every((x) => x === 0)) ids.push(null);
      else {
        const cid = repo.chunkId(d);
        if ((await repo.putChunk(cid, d)).isNew) isNew++;
        ids.push(cid);
      }
      if ((i + 1) % every === 0) {
        const done = ids.filter((c): c is ChunkId => c !== null);
        await repo.saveCheckpoint(`backup-${o.lv ?? 'lv0'}`, { chunks: done, next: i + 1 });
        resumePoints.push(done);
      }
    }
    const chunkSize = repo.chunkSize;
    await repo.saveBackup(manifest(id, o.time ?? Date.now(), [{ lv: o.lv ?? 'lv0', size: data.length * chunkSize, chunkSize, chunks: ids }]));
    await repo.dropCheckpoint(`backup-${o.lv ?? 'lv0'}`);
  } finally {
    await release();
  }
  return { isNew, resumePoints, ids };
}

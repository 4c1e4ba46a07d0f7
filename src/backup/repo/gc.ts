// Garbage collection: deletes what no backup and no checkpoint references, and repacks packs that
// are mostly garbage. It runs under the exclusive lock (no backup in progress can add references
// meanwhile) and in an order where a crash at any step leaves every referenced chunk reachable:
//   1. write repacked packs;  2. write one new index naming every surviving pack;
//   3. delete the old index files;  4. delete the packs nothing names any more.
// It refuses to run when anything it would need to read (a backup, a checkpoint, an index file)
// does not open, since then it cannot know what is referenced.
import type { ChunkId } from '../types.ts';
import { hmacHex } from './crypto.ts';
import { repoFail } from './errors.ts';
import { ChunkIndex, type PackInfo, eachLimited, loadIndex, writeIndexFile } from './index.ts';
import { PackWriter, type PackEntry, openChunk, packIdOfKey, packKey, readTrailer } from './packs.ts';
import { decodeManifest } from './manifest.ts';
import type { Repository } from './repository.ts';

export interface GcOptions {
  dryRun?: boolean;
  /** Repack a pack whose live bytes are below this share of it (restic's max-unused, inverted). */
  repackBelow?: number;
  /** Temporary files (torn writes of crashed runs) older than this are removed; default one hour. */
  tmpOlderThanMs?: number;
}

export interface GcResult {
  packsDeleted: number;
  packsRepacked: number;
  bytesFreed: number;
  chunksDeleted: number;
}

/** Every chunk id a backup or checkpoint names. */
export async function referencedChunks(repo: Repository): Promise<Set<ChunkId>> {
  const refs = new Set<ChunkId>();
  const { storage } = repo;
  for (const key of await storage.list('backups/')) {
    const id = key.slice('backups/'.length);
    const bytes = await storage.get(key);
    if (!bytes) continue;
    let chunks: (ChunkId | null)[][];
    try {
      chunks = decodeManifest(repo.keys.encKey, id, bytes).volumes.map((v) => v.chunks);
    } catch {
      repoFail('BACKUP_CORRUPT', `Backup ${id} does not decrypt, so what it references is unknown: gc refused (delete the backup or restore the object).`, { backup: id });
    }
    for (const t of chunks) for (const c of t) if (c !== null) refs.add(c);
  }
  for (const cp of await repo.allCheckpoints()) {
    if (!cp.state) repoFail('BACKUP_CORRUPT', `Checkpoint ${cp.name} does not decrypt: gc refused.`);
    for (const c of cp.state.chunks) refs.add(c);
  }
  return refs;
}

export async function runGc(repo: Repository, o: GcOptions): Promise<{ result: GcResult; index?: ChunkIndex }> {
  const { storage } = repo;
  const encKey = repo.keys.encKey;
  const { index: old, problems } = await loadIndex(storage, encKey);
  if (problems.length) {
    repoFail('BACKUP_CORRUPT', `${problems.map((p) => p.message).join(' ')} gc refused: run the index rebuild first.`);
  }
  const refs = await referencedChunks(repo);
  const missing = [...refs].filter((c) => !old.has(c));
  const stored = (await storage.list('data/')).map(packIdOfKey);
  const orphans = stored.filter((p) => !old.packs.has(p));
  const repackBelow = o.repackBelow ?? 0.5;
  const dead: PackInfo[] = [];
  const repack: { info: PackInfo; live: PackEntry[] }[] = [];
  const kept: PackInfo[] = [];
  for (const info of old.packs.values()) {
    // A chunk also in another pack lives only where the index serves it from.
    const live = info.entries.filter((e) => refs.has(e.id) && old.get(e.id) === e);
    const liveBytes = live.reduce((s, e) => s + e.length, 0);
    if (live.length === 0) dead.push(info);
    else if (liveBytes < repackBelow * info.size) repack.push({ info, live });
    else kept.push(info);
  }
  const result: GcResult = { packsDeleted: 0, packsRepacked: repack.length, bytesFreed: 0, chunksDeleted: 0 };
  // With referenced chunks missing from the index, an unindexed pack may be the only copy.
  const deletableOrphans = missing.length ? [] : orphans;
  const orphanSizes = new Map<string, number>();
  for (const p of deletableOrphans) orphanSizes.set(p, (await storage.size(packKey(p))) ?? 0);
  result.packsDeleted = dead.length + deletableOrphans.length;
  result.chunksDeleted = dead.reduce((s, p) => s + p.entries.length, 0) + repack.reduce((s, r) => s + r.info.entries.length - r.live.length, 0);
  result.bytesFreed =
    dead.reduce((s, p) => s + p.size, 0) + [...orphanSizes.values()].reduce((s, n) => s + n, 0) + repack.reduce((s, r) => s + r.info.size, 0);
  if (o.dryRun) {
    result.bytesFreed -= repack.reduce((s, r) => s + r.live.reduce((t, e) => t + e.length, 0), 0);
    return { result };
  }

  const fresh = new ChunkIndex();
  for (const p of kept) fresh.addPack(p.id, p.size, p.entries);
  let writer = new PackWriter();
  const writePack = async (): Promise<void> => {
    if (writer.count === 0) return;
    const { id, bytes } = writer.finish(encKey);
    await storage.put(packKey(id), bytes, { ifAbsent: true });
    fresh.addPack(id, bytes.length, writer.entries);
    result.bytesFreed -= bytes.length;
    writer = new PackWriter();
  };
  for (const { info, live } of repack) {
    const pack = await storage.get(packKey(info.id));
    if (!pack) repoFail('BACKUP_CORRUPT', `Pack ${info.id} is missing: gc refused (verify the repository).`, { pack: info.id });
    const b = Buffer.from(pack.buffer, pack.byteOffset, pack.length);
    for (const e of live) {
      const blob = b.subarray(e.offset, e.offset + e.length);
      // Sealed blobs are bound to their chunk, not their pack: copied as they are, once checked.
      let ok = false;
      try {
        ok = hmacHex(repo.keys.idKey, openChunk(encKey, e.id, blob)) === e.id;
      } catch {
        ok = false;
      }
      if (!ok) repoFail('BACKUP_CORRUPT', `Chunk ${e.id} in pack ${info.id} is damaged: gc refused (verify the repository).`, { chunk: e.id, pack: info.id });
      writer.add(e.id, Buffer.from(blob), e.plainLength);
      if (writer.size >= repo.packSize) await writePack();
    }
  }
  await writePack();
  await writeIndexFile(storage, encKey, [...fresh.packs.values()]);
  for (const f of old.files) await storage.delete(`index/${f}`);
  for (const p of [...dead.map((d) => d.id), ...repack.map((r) => r.info.id), ...deletableOrphans]) await storage.delete(packKey(p));
  // No writer runs beside gc, but a temporary younger than this might still be a slow rename's.
  await storage.removeTemporary?.(o.tmpOlderThanMs ?? 3600 * 1000);
  const final = await loadIndex(storage, encKey);
  return { result, index: final.index };
}

/** A new index from the packs' own trailers; packs whose trailer does not open are reported and left out. */
export async function rebuildIndex(repo: Repository): Promise<{ index: ChunkIndex; problems: { pack: string; message: string }[] }> {
  const { storage } = repo;
  const index = new ChunkIndex();
  const problems: { pack: string; message: string }[] = [];
  const oldFiles = (await storage.list('index/')).sort();
  await eachLimited(await storage.list('data/'), 4, async (key) => {
    const id = packIdOfKey(key);
    const size = await storage.size(key);
    if (size === undefined) return;
    try {
      index.addPack(id, size, await readTrailer(storage, repo.keys.encKey, id, size));
    } catch {
      problems.push({ pack: id, message: `Pack ${id}: its trailer does not decrypt; its chunks are left out of the index.` });
    }
  });
  const fileId = await writeIndexFile(storage, repo.keys.encKey, [...index.packs.values()]);
  index.files.add(fileId);
  for (const f of oldFiles) await storage.delete(f);
  return { index, problems };
}

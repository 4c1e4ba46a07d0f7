// Verify, from what is stored (not from this process's memory).
// Quick: every backup and checkpoint decrypts, every chunk they name is in the index, every pack
// the index lists exists with its recorded size and its trailer decrypts and lists what the index
// says. Full, as well: every pack holding referenced chunks is read whole, its hash checked
// against its name, and each referenced chunk decrypted and hashed.
import type { ChunkId } from '../types.ts';
import { hmacHex } from './crypto.ts';
import { type Loc, eachLimited, loadIndex } from './index.ts';
import { openChunk, packHash, packIdOfKey, packKey, readTrailer, trailerOf, type PackEntry } from './packs.ts';
import { decodeManifest } from './manifest.ts';
import type { Repository } from './repository.ts';

export type VerifyProblemKind =
  | 'index-unreadable'
  | 'backup-unreadable'
  | 'checkpoint-unreadable'
  | 'missing-chunk'
  | 'missing-pack'
  | 'pack-size'
  | 'pack-trailer'
  | 'pack-hash'
  | 'corrupt-chunk';

export interface VerifyProblem {
  kind: VerifyProblemKind;
  backup?: string;
  chunk?: ChunkId;
  pack?: string;
  message: string;
}

export interface VerifyReport {
  full: boolean;
  ok: boolean;
  backups: number;
  checkpoints: number;
  indexFiles: number;
  packs: number;
  /** Packs no index names (left by a crashed run; gc removes them). */
  packsUnindexed: number;
  /** Distinct chunks named by backups and checkpoints. */
  chunksReferenced: number;
  /** Chunks decrypted and hashed (full only). */
  chunksChecked: number;
  bytesRead: number;
  problems: VerifyProblem[];
}

function sameEntry(a: PackEntry, b: PackEntry): boolean {
  return a.id === b.id && a.offset === b.offset && a.length === b.length && a.plainLength === b.plainLength;
}

export async function runVerify(repo: Repository, o: { full: boolean }): Promise<VerifyReport> {
  const { storage } = repo;
  const encKey = repo.keys.encKey;
  const problems: VerifyProblem[] = [];
  const { index, problems: ip } = await loadIndex(storage, encKey);
  for (const p of ip) problems.push({ kind: 'index-unreadable', message: p.message });

  // Which backup first names each chunk, for messages.
  const refs = new Map<ChunkId, string>();
  const backupKeys = await storage.list('backups/');
  for (const key of backupKeys) {
    const id = key.slice('backups/'.length);
    const bytes = await storage.get(key);
    if (!bytes) continue;
    try {
      for (const v of decodeManifest(encKey, id, bytes).volumes) for (const c of v.chunks) if (c !== null && !refs.has(c)) refs.set(c, id);
    } catch {
      problems.push({ kind: 'backup-unreadable', backup: id, message: `Backup ${id} does not decrypt.` });
    }
  }
  const cps = await repo.allCheckpoints();
  for (const cp of cps) {
    if (!cp.state) {
      problems.push({ kind: 'checkpoint-unreadable', message: `Checkpoint ${cp.name} does not decrypt.` });
      continue;
    }
    for (const c of cp.state.chunks) if (!refs.has(c)) refs.set(c, `checkpoint ${cp.name}`);
  }
  const byPack = new Map<string, Loc[]>();
  for (const [c, backup] of refs) {
    const loc = index.get(c);
    if (!loc) {
      problems.push({ kind: 'missing-chunk', backup, chunk: c, message: `Chunk ${c} named by backup ${backup} is not in the index.` });
      continue;
    }
    const l = byPack.get(loc.pack);
    if (l) l.push(loc);
    else byPack.set(loc.pack, [loc]);
  }

  let bytesRead = 0;
  let chunksChecked = 0;
  const checkTrailer = (id: string, entries: PackEntry[]): void => {
    const info = index.packs.get(id);
    if (!info) return;
    const inTrailer = new Map(entries.map((e) => [e.id, e]));
    for (const e of info.entries) {
      const t = inTrailer.get(e.id);
      if (!t || !sameEntry(t, e)) {
        problems.push({ kind: 'pack-trailer', pack: id, chunk: e.id, message: `Pack ${id}: its trailer does not list chunk ${e.id} where the index says.` });
        return;
      }
    }
  };
  await eachLimited([...index.packs.values()], o.full ? 2 : 8, async (info) => {
    const key = packKey(info.id);
    const size = await storage.size(key);
    if (size === undefined) {
      problems.push({ kind: 'missing-pack', pack: info.id, message: `Pack ${info.id} is missing.` });
      return;
    }
    if (size !== info.size) {
      problems.push({ kind: 'pack-size', pack: info.id, message: `Pack ${info.id} has ${size} bytes; the index says ${info.size}.` });
      return;
    }
    if (!o.full) {
      try {
        checkTrailer(info.id, await readTrailer(storage, encKey, info.id, size));
      } catch {
        problems.push({ kind: 'pack-trailer', pack: info.id, message: `Pack ${info.id}: its trailer does not decrypt.` });
      }
      return;
    }
    const bytes = await storage.get(key);
    if (!bytes) {
      problems.push({ kind: 'missing-pack', pack: info.id, message: `Pack ${info.id} is missing.` });
      return;
    }
    const pack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    bytesRead += pack.length;
    if (packHash(pack) !== info.id) {
      problems.push({ kind: 'pack-hash', pack: info.id, message: `Pack ${info.id} does not match its hash: it was changed after it was written.` });
    }
    try {
      checkTrailer(info.id, trailerOf(encKey, pack));
    } catch {
      problems.push({ kind: 'pack-trailer', pack: info.id, message: `Pack ${info.id}: its trailer does not decrypt.` });
    }
    for (const loc of byPack.get(info.id) ?? []) {
      chunksChecked++;
      let ok = false;
      try {
        const plain = openChunk(encKey, loc.id, pack.subarray(loc.offset, loc.offset + loc.length));
        ok = plain.length === loc.plainLength && hmacHex(repo.keys.idKey, plain) === loc.id;
      } catch {
        ok = false;
      }
      if (!ok) {
        problems.push({
          kind: 'corrupt-chunk',
          pack: info.id,
          chunk: loc.id,
          backup: refs.get(loc.id),
          message: `Chunk ${loc.id} in pack ${info.id} (named by backup ${refs.get(loc.id)}) does not decrypt or match its hash.`,
        });
      }
    }
  });
  const stored = (await storage.list('data/')).map(packIdOfKey);
  return {
    full: o.full,
    ok: problems.length === 0,
    backups: backupKeys.length,
    checkpoints: cps.length,
    indexFiles: index.files.size,
    packs: index.packs.size,
    packsUnindexed: stored.filter((p) => !index.packs.has(p)).length,
    chunksReferenced: refs.size,
    chunksChecked,
    bytesRead,
    problems,
  };
}

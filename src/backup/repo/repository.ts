// A backup repository: content-addressed, deduplicated, compressed and encrypted chunks in pack
// files, an index of where each chunk lives, and the catalogue of backups. Writes are ordered so
// that a crash at any point leaves a valid repository: packs, then the index naming them, then the
// backup naming their chunks; gc deletes in the reverse order. Everything but `config` (version,
// id, chunk and pack size) and the lock objects' host/pid is sealed under the master key.
import type { BackupManifest, BackupSummary, ChunkId, RepoStorage, RetentionPolicy } from '../types.ts';
import { DEFAULT_KDF, type KdfParams, hmacHex, randomHex, sameBytes } from './crypto.ts';
import { RepoError, repoFail } from './errors.ts';
import { type MasterKey, type RepoKey, addKey, keySecret, newMasterKey, openMasterKey } from './keys.ts';
import { ChunkIndex, type PackInfo, eachLimited, loadIndex, writeIndexFile, type IndexProblem } from './index.ts';
import { PackWriter, openChunk, packKey, sealChunk } from './packs.ts';
import { backupKey, decodeManifest, decodeSummary, encodeManifest } from './manifest.ts';
import { type CheckpointState, checkpointName, decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { type LockKind, type LockOptions, RepoLocks } from './locks.ts';
import { type PruneDecision, applyRetention } from './retention.ts';
import { type GcOptions, type GcResult, rebuildIndex, runGc } from './gc.ts';
import { type VerifyReport, runVerify } from './verify.ts';
import { guarded } from './guarded-storage.ts';

export type { RepoKey } from './keys.ts';
export type { VerifyReport, VerifyProblem } from './verify.ts';
export type { GcResult } from './gc.ts';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
const CONFIG_VERSION = 1;
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

interface RepoConfig {
  version: number;
  id: string;
  chunkSize: number;
  packSize: number;
}

export interface InitOptions {
  chunkSize?: number;
  kdf?: KdfParams;
  packSize?: number;
}

export class Repository {
  /** Where chunks are; packs written but not yet named by an index file are in it too. */
  index: ChunkIndex;
  /** Index files that did not open when the index was loaded (verify reports them). */
  indexProblems: IndexProblem[];
  /** Packs written whose index file is not written yet. */
  private unindexed: PackInfo[] = [];
  private open: PackWriter | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private exclusiveHeld = 0;
  private readonly locks: RepoLocks;
  /** Sealed packs between automatic index writes (flush writes one whatever the count). */
  indexEvery = 8;
  /** zstd level (1–19). */
  compressionLevel = 3;

  private constructor(
    readonly storage: RepoStorage,
    readonly keys: MasterKey,
    private readonly config: RepoConfig,
    loaded: { index: ChunkIndex; problems: IndexProblem[] },
  ) {
    this.index = loaded.index;
    this.indexProblems = loaded.problems;
    this.locks = new RepoLocks(storage, keys.encKey);
  }

  get id(): string {
    return this.config.id;
  }

  get chunkSize(): number {
    return this.config.chunkSize;
  }

  get packSize(): number {
    return this.config.packSize;
  }

  static async init(given: RepoStorage, key: RepoKey, o: InitOptions = {}): Promise<Repository> {
    const storage = guarded(given);
    const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const packSize = o.packSize ?? DEFAULT_PACK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < 4096 || chunkSize > 256 * 1024 * 1024 || chunkSize % 4096 !== 0) {
      repoFail('INVALID_ARGUMENT', `Chunk size ${chunkSize} is not a multiple of 4 KiB between 4 KiB and 256 MiB.`);
    }
    if (!Number.isInteger(packSize) || packSize < 1) repoFail('INVALID_ARGUMENT', `Pack size ${packSize} is invalid.`);
    const secret = await keySecret(key);
    if (await storage.get('config')) repoFail('BACKUP_EXISTS', `Repository ${storage.location} already exists.`, { repo: storage.location });
    const config: RepoConfig = { version: CONFIG_VERSION, id: randomHex(32), chunkSize, packSize };
    const master = newMasterKey(config.id, chunkSize);
    // The key first: a crash before config leaves a folder init can be run on again.
    await addKey(storage, master, secret, o.kdf ?? DEFAULT_KDF);
    if (!(await storage.put('config', Buffer.from(JSON.stringify(config)), { ifAbsent: true }))) {
      repoFail('BACKUP_EXISTS', `Repository ${storage.location} already exists.`, { repo: storage.location });
    }
    return new Repository(storage, master, config, { index: new ChunkIndex(), problems: [] });
  }

  static async open(given: RepoStorage, key: RepoKey): Promise<Repository> {
    const storage = guarded(given);
    const bytes = await storage.get('config');
    if (!bytes) repoFail('BACKUP_NO_REPO', `${storage.location} is not a ulvm backup repository (it has no config).`, { repo: storage.location });
    let config: RepoConfig;
    try {
      config = JSON.parse(Buffer.from(bytes).toString('utf8')) as RepoConfig;
    } catch {
      repoFail('BACKUP_CORRUPT', `Repository ${storage.location}: its config is not readable.`, { repo: storage.location });
    }
    if (config.version !== CONFIG_VERSION) {
      repoFail('BACKUP_CORRUPT', `Repository ${storage.location} has format version ${config.version}; this ulvm reads version ${CONFIG_VERSION}.`, {
        repo: storage.location,
      });
    }
    const master = await openMasterKey(storage, await keySecret(key), config);
    return new Repository(storage, master, config, await loadIndex(storage, master.encKey));
  }

  /** Adds another passphrase or key file that opens this repository. */
  async addKey(key: RepoKey, kdf: KdfParams = DEFAULT_KDF): Promise<string> {
    return addKey(this.storage, this.keys, await keySecret(key), kdf);
  }

  chunkId(plain: Uint8Array): ChunkId {
    return hmacHex(this.keys.idKey, plain);
  }

  has(id: ChunkId): boolean {
    return this.index.has(id) || (this.open?.has(id) ?? false);
  }

  /** Appends one at a time: the open pack and the index change only here. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async putChunk(id: ChunkId, plain: Uint8Array): Promise<{ isNew: boolean; stored: number }> {
    if (this.has(id)) return { isNew: false, stored: 0 };
    // A wrong id would poison deduplication for every later backup: check it once, here.
    if (!sameBytes(Buffer.from(this.chunkId(plain), 'hex'), Buffer.from(id, 'hex'))) {
      repoFail('INVALID_ARGUMENT', `Chunk id ${id} is not the id of the bytes given.`, { chunk: id });
    }
    // Compression and sealing run before taking the queue, so they overlap the previous pack's write.
    const blob = sealChunk(this.keys.encKey, id, plain, this.compressionLevel);
    return this.serial(async () => {
      if (this.has(id)) return { isNew: false, stored: 0 };
      this.open ??= new PackWriter();
      this.open.add(id, blob, plain.length);
      if (this.open.size >= this.config.packSize) await this.sealPack();
      return { isNew: true, stored: blob.length };
    });
  }

  /** Writes the open pack; on failure it stays open (and its chunks readable) for a later retry. */
  private async sealPack(): Promise<void> {
    const w = this.open;
    if (!w || w.count === 0) return;
    const { id, bytes } = w.finish(this.keys.encKey);
    await this.storage.put(packKey(id), bytes, { ifAbsent: true });
    this.unindexed.push(this.index.addPack(id, bytes.length, w.entries));
    this.open = undefined;
    if (this.unindexed.length >= this.indexEvery) await this.writeIndex();
  }

  private async writeIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    const fileId = await writeIndexFile(this.storage, this.keys.encKey, this.unindexed);
    this.index.files.add(fileId);
    this.unindexed = [];
  }

  flush(): Promise<void> {
    return this.serial(async () => {
      await this.sealPack();
      await this.writeIndex();
    });
  }

  async readChunk(id: ChunkId): Promise<Uint8Array> {
    const mem = this.open?.blob(id);
    const loc = mem ? undefined : this.index.get(id);
    if (!mem && !loc) repoFail('BACKUP_NOT_FOUND', `Chunk ${id} is not in repository ${this.storage.location}.`, { chunk: id });
    const pack = loc?.pack;
    let plain: Buffer;
    try {
      const blob = mem ?? (await this.storage.getRange(packKey(loc!.pack), loc!.offset, loc!.length));
      plain = openChunk(this.keys.encKey, id, blob);
    } catch (e) {
      if (e instanceof RepoError && e.code !== 'BACKUP_CORRUPT') throw e;
      repoFail('BACKUP_CORRUPT', `Chunk ${id} in pack ${pack ?? '(unwritten)'} of repository ${this.storage.location} does not decrypt: the pack is damaged.`, {
        chunk: id,
        pack,
        repo: this.storage.location,
      });
    }
    if (this.chunkId(plain) !== id || (loc && plain.length !== loc.plainLength)) {
      repoFail('BACKUP_CORRUPT', `Chunk ${id} in pack ${pack} of repository ${this.storage.location} does not match its hash.`, {
        chunk: id,
        pack,
        repo: this.storage.location,
      });
    }
    return plain;
  }

  private checkBackupId(id: string): void {
    if (!SAFE_ID.test(id)) repoFail('INVALID_ARGUMENT', `Invalid backup id "${id}".`, { backup: id });
  }

  /** Every chunk a backup or checkpoint names must be durable before it is published. */
  private checkStored(chunks: Iterable<ChunkId | null>, what: string): void {
    for (const c of chunks) {
      if (c !== null && !this.index.has(c)) {
        repoFail('BACKUP_CORRUPT', `${what} names chunk ${c}, which repository ${this.storage.location} does not hold: not saved.`, { chunk: c });
      }
    }
  }

  async saveBackup(m: BackupManifest): Promise<void> {
    this.checkBackupId(m.id);
    for (const v of m.volumes) {
      const want = Math.ceil(v.size / v.chunkSize);
      if (v.chunks.length !== want) {
        repoFail('INVALID_ARGUMENT', `Backup ${m.id}: ${v.vg}/${v.lv} of ${v.size} bytes needs ${want} chunks of ${v.chunkSize}, not ${v.chunks.length}.`, { backup: m.id });
      }
    }
    await this.flush();
    for (const v of m.volumes) this.checkStored(v.chunks, `Backup ${m.id}`);
    await this.storage.put(backupKey(m.id), encodeManifest(this.keys.encKey, m));
  }

  private async backupIds(): Promise<string[]> {
    return (await this.storage.list('backups/')).map((k) => k.slice('backups/'.length));
  }

  private async summary(id: string): Promise<BackupSummary> {
    const key = backupKey(id);
    try {
      const len = Buffer.from(await this.storage.getRange(key, 0, 4)).readUInt32LE(0);
      return decodeSummary(this.keys.encKey, id, await this.storage.getRange(key, 4, len));
    } catch (e) {
      if (e instanceof RepoError && e.code !== 'BACKUP_CORRUPT') throw e;
      repoFail('BACKUP_CORRUPT', `Backup ${id} in repository ${this.storage.location} does not decrypt: it is damaged.`, { backup: id });
    }
  }

  async listBackups(): Promise<BackupSummary[]> {
    const out: BackupSummary[] = [];
    await eachLimited(await this.backupIds(), 8, async (id) => {
      out.push(await this.summary(id));
    });
    return out.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
  }

  private async resolve(idOrPrefix: string): Promise<string> {
    const ids = await this.backupIds();
    if (ids.includes(idOrPrefix)) return idOrPrefix;
    const hits = idOrPrefix === '' ? [] : ids.filter((i) => i.startsWith(idOrPrefix));
    if (hits.length === 0) repoFail('BACKUP_NOT_FOUND', `Backup ${idOrPrefix} not found in repository ${this.storage.location}.`, { backup: idOrPrefix });
    if (hits.length > 1) {
      repoFail('BACKUP_AMBIGUOUS', `Backup id prefix ${idOrPrefix} is ambiguous in repository ${this.storage.location}: ${hits.sort().join(', ')}.`, {
        backup: idOrPrefix,
      });
    }
    return hits[0] as string;
  }

  async loadBackup(idOrPrefix: string): Promise<BackupManifest> {
    const id = await this.resolve(idOrPrefix);
    const bytes = await this.storage.get(backupKey(id));
    if (!bytes) repoFail('BACKUP_NOT_FOUND', `Backup ${id} not found in repository ${this.storage.location}.`, { backup: id });
    try {
      return decodeManifest(this.keys.encKey, id, bytes);
    } catch {
      repoFail('BACKUP_CORRUPT', `Backup ${id} in repository ${this.storage.location} does not decrypt: it is damaged.`, { backup: id });
    }
  }

  async deleteBackup(id: string): Promise<void> {
    this.checkBackupId(id);
    if ((await this.storage.size(backupKey(id))) === undefined) {
      repoFail('BACKUP_NOT_FOUND', `Backup ${id} not found in repository ${this.storage.location}.`, { backup: id });
    }
    await this.storage.delete(backupKey(id));
  }

  async setPinned(id: string, pinned: boolean): Promise<void> {
    const m = await this.loadBackup(id);
    if (m.id !== id) repoFail('BACKUP_NOT_FOUND', `Backup ${id} not found in repository ${this.storage.location}.`, { backup: id });
    await this.storage.put(backupKey(id), encodeManifest(this.keys.encKey, { ...m, pinned }));
  }

  async saveCheckpoint(key: string, state: CheckpointState): Promise<void> {
    await this.flush();
    this.checkStored(state.chunks, `Checkpoint ${key}`);
    const name = checkpointName(this.keys.idKey, key);
    await this.storage.put(`checkpoints/${name}`, encodeCheckpoint(this.keys.encKey, name, state));
  }

  async loadCheckpoint(key: string): Promise<CheckpointState | undefined> {
    const name = checkpointName(this.keys.idKey, key);
    const bytes = await this.storage.get(`checkpoints/${name}`);
    if (!bytes) return undefined;
    try {
      return decodeCheckpoint(this.keys.encKey, name, bytes);
    } catch {
      repoFail('BACKUP_CORRUPT', `Checkpoint ${key} in repository ${this.storage.location} does not decrypt: it is damaged.`);
    }
  }

  async dropCheckpoint(key: string): Promise<void> {
    await this.storage.delete(`checkpoints/${checkpointName(this.keys.idKey, key)}`);
  }

  /** Every checkpoint, decoded (gc and verify: their chunks count as referenced). */
  async allCheckpoints(): Promise<{ name: string; state?: CheckpointState }[]> {
    const out: { name: string; state?: CheckpointState }[] = [];
    for (const k of await this.storage.list('checkpoints/')) {
      const name = k.slice('checkpoints/'.length);
      const bytes = await this.storage.get(k);
      if (!bytes) continue;
      try {
        out.push({ name, state: decodeCheckpoint(this.keys.encKey, name, bytes) });
      } catch {
        out.push({ name });
      }
    }
    return out;
  }

  /**
   * Takes a repository lock. Once it is held the index is reloaded from storage: a gc that ran
   * since this repository was opened may have removed packs, and dedup against them would make a
   * backup name chunks that are gone.
   */
  async lock(kind: LockKind, what: string, o: LockOptions = {}): Promise<() => Promise<void>> {
    const held = await this.locks.acquire(kind, what, o);
    try {
      await this.reloadIndex();
    } catch (e) {
      await held.release();
      throw e;
    }
    if (kind === 'exclusive') this.exclusiveHeld++;
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (kind === 'exclusive') this.exclusiveHeld--;
      await held.release();
    };
  }

  /** Replaces the in-memory index by the stored one, keeping packs this process wrote but has not indexed. */
  reloadIndex(): Promise<void> {
    return this.serial(async () => {
      const loaded = await loadIndex(this.storage, this.keys.encKey);
      for (const p of this.unindexed) loaded.index.addPack(p.id, p.size, p.entries);
      this.index = loaded.index;
      this.indexProblems = loaded.problems;
    });
  }

  /** Runs fn under the exclusive lock, unless this repository holds it already, with appends paused. */
  async withExclusive<T>(what: string, o: LockOptions, fn: () => Promise<T>): Promise<T> {
    const release = this.exclusiveHeld > 0 ? undefined : await this.lock('exclusive', what, o);
    try {
      await this.flush();
      return await this.serial(fn);
    } finally {
      await release?.();
    }
  }

  async prune(policy: RetentionPolicy, o: { dryRun?: boolean; now?: number } & LockOptions = {}): Promise<PruneDecision> {
    const decide = async (): Promise<PruneDecision> => {
      const d = applyRetention(await this.listBackups(), policy);
      if (!o.dryRun) for (const id of d.remove) await this.storage.delete(backupKey(id));
      return d;
    };
    // A dry run changes nothing, so it need not wait for anyone.
    return o.dryRun ? decide() : this.withExclusive('prune', o, decide);
  }

  async gc(o: GcOptions & LockOptions = {}): Promise<GcResult> {
    return this.withExclusive('gc', o, async () => {
      const r = await runGc(this, o);
      if (r.index) {
        this.index = r.index;
        this.indexProblems = [];
      }
      return r.result;
    });
  }

  /** Rewrites the index from the packs' trailers (repair after lost or damaged index files). */
  async rebuildIndex(o: LockOptions = {}): Promise<{ packs: number; chunks: number; problems: { pack: string; message: string }[] }> {
    return this.withExclusive('rebuild-index', o, async () => {
      const r = await rebuildIndex(this);
      this.index = r.index;
      this.indexProblems = [];
      return { packs: r.index.packs.size, chunks: r.index.chunks.size, problems: r.problems };
    });
  }

  async verify(o: { full: boolean }): Promise<VerifyReport> {
    await this.flush();
    return runVerify(this, o);
  }
}

// The shapes the backup layer's parts agree on: the repository (where chunks, indexes and
// backups live), the change trackers (what to read from a snapshot), and the backups themselves.
// One file so the repository, the trackers, restore and the commands meet at one definition.

/** A chunk's name: the keyed hash (HMAC-SHA-256 under the repository's id key) of its plain bytes, hex. */
export type ChunkId = string;

/**
 * Where a repository's objects live: a folder here; SSH and S3 come behind the same interface.
 * Keys are relative paths with `/` (`config`, `keys/<id>`, `data/<2 hex>/<pack id>`, `index/<id>`,
 * `backups/<id>`, `locks/<id>`). Every put is atomic: a reader sees the whole object or none.
 */
export interface RepoStorage {
  /** For messages: the folder, or the URL. */
  readonly location: string;
  get(key: string): Promise<Uint8Array | undefined>;
  /** Part of an object (a chunk inside a pack). */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Writes atomically and durably; with ifAbsent, returns false (and writes nothing) if the key exists. */
  put(key: string, data: Uint8Array, o?: { ifAbsent?: boolean }): Promise<boolean>;
  /** Keys under a prefix (`data/`), in no particular order. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  size(key: string): Promise<number | undefined>;
  /** Removes temporary files crashed writers left that are older than this (gc calls it); optional for backends without them. */
  removeTemporary?(olderThanMs: number): Promise<number>;
}

/** How the point in time of a backup was made consistent. */
export type ConsistencyKind = 'crash-consistent' | 'fsfreeze' | 'postgres' | 'hook';

/** How a volume's changed chunks were found. */
export type TrackerKind = 'thin-delta' | 'cow-exceptions' | 'change-map' | 'full';

export interface HookResult {
  /** `fsfreeze`, `postgres`, or `command`. */
  kind: string;
  /** What ran (the command line, the mount point, the database). */
  what: string;
  phase: 'pre' | 'post';
  ok: boolean;
  /** Milliseconds. */
  durationMs: number;
  output?: string;
}

/** One LV in one backup: its size and, per chunk-size-aligned offset, the chunk stored there. */
export interface BackupVolume {
  vg: string;
  lv: string;
  /** The LV's uuid, so a rename does not break the incremental chain. */
  lvUuid: string;
  size: number;
  chunkSize: number;
  /** Chunk i covers [i × chunkSize, min(size, (i+1) × chunkSize)); null: all zeros (stored as nothing). */
  chunks: (ChunkId | null)[];
  /** The snapshot the data was read from (kept for the next incremental run when it is thin or a COW). */
  snapshot: { name: string; kind: 'thin' | 'cow' | 'none' };
  tracker: TrackerKind;
  /** Plain LVs with a change map: the map generation that ended at this backup's instant (the next backup's map must be the one after it). */
  changeMapGeneration?: number;
  /** Why the tracker fell back to reading everything, when it did. */
  trackerNote?: string;
  /** The self-audit: chunks the tracker called unchanged that were re-read and re-hashed. */
  audit: { sampled: number; mismatched: number };
  bytesRead: number;
  /** Bytes the tracker said may have changed since the parent backup, and the time between them: the origin's measured write rate. */
  changedBytes?: number;
  intervalMs?: number;
}

export interface BackupStats {
  bytesRead: number;
  /** Plain bytes of chunks the repository did not have. */
  bytesNew: number;
  /** What those took in the repository (compressed, encrypted). */
  bytesStored: number;
  chunksNew: number;
  chunksReused: number;
  chunksZero: number;
  durationMs: number;
  /** How long writers to the volumes were held at the snapshot instant. */
  holdMs?: number;
}

/** What a backup is: stored encrypted under `backups/<id>`; the catalogue is the set of them. */
export interface BackupManifest {
  id: string;
  /** Unix milliseconds of the snapshot instant. */
  time: number;
  host: string;
  vg: string;
  consistency: ConsistencyKind;
  hooks: HookResult[];
  /** PostgreSQL's backup_label from pg_backup_stop, when the postgres hook ran. */
  backupLabel?: string;
  /** The backup this one was made incrementally against. */
  parent?: string;
  tags: string[];
  /** Kept by prune whatever the policy says. */
  pinned: boolean;
  volumes: BackupVolume[];
  stats: BackupStats;
}

/** The catalogue's line for a backup (what `ulvm backup list` shows). */
export type BackupSummary = Omit<BackupManifest, 'volumes'> & { volumes: Omit<BackupVolume, 'chunks'>[] };

/** What a tracker hands the backup: the ranges to read, or everything. */
export interface ChangedRanges {
  tracker: TrackerKind;
  /** Byte ranges that may have changed since the parent backup's snapshot (a superset is fine). */
  ranges: { offset: number; length: number }[] | 'all';
  note?: string;
}

/** A volume the backup reads: the snapshot's bytes. */
export interface VolumeReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface RetentionPolicy {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
}

// The self-audit of an incremental backup: chunks the tracker called unchanged are taken from the
// parent backup without reading them, so a wrong tracker would silently store stale data. A
// random sample of them is re-read from the new snapshot and re-hashed; any chunk whose hash is
// not the parent's fails the backup.
import { UlvmError } from '../errors.ts';
import type { ChunkId, VolumeReader } from './types.ts';

export interface AuditReport {
  sampled: number;
  mismatched: number;
  /** Chunk indexes that differed from the parent's. */
  mismatches: number[];
}

export interface AuditOptions {
  /** Chunks to re-read; default max(16, 1% of the unchanged ones), at most `maxSample`. */
  sample?: number;
  maxSample?: number;
  /** Uniform in [0, 1); default Math.random (tests pass a seeded one). */
  random?: () => number;
}

const DEFAULT_MAX_SAMPLE = 1024;

/** The sample size for `unchanged` chunks. */
export function auditSampleSize(unchanged: number, o: AuditOptions = {}): number {
  const want = o.sample ?? Math.max(16, Math.ceil(unchanged / 100));
  return Math.min(unchanged, want, o.maxSample ?? (o.sample ?? DEFAULT_MAX_SAMPLE));
}

/** A small seeded generator (mulberry32) for reproducible samples. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `parent`: the parent backup's chunk table (null: a zero chunk). `changed`: the chunk indexes the
 * tracker said may have changed (not audited: they are read anyway). `hash`: the repository's
 * keyed chunk hash. Chunks past the parent's table (the volume grew) count as changed.
 */
export async function auditUnchanged(
  parent: (ChunkId | null)[],
  changed: ReadonlySet<number>,
  reader: VolumeReader,
  chunkSize: number,
  hash: (plain: Uint8Array) => ChunkId | Promise<ChunkId>,
  o: AuditOptions = {},
): Promise<AuditReport> {
  const chunks = Math.ceil(reader.size / chunkSize);
  const unchanged: number[] = [];
  for (let i = 0; i < Math.min(chunks, parent.length); i++) if (!changed.has(i)) unchanged.push(i);
  const n = auditSampleSize(unchanged.length, o);
  const random = o.random ?? Math.random;
  // A partial Fisher-Yates shuffle: n distinct chunks, each equally likely.
  for (let k = 0; k < n; k++) {
    const j = k + Math.floor(random() * (unchanged.length - k));
    [unchanged[k], unchanged[j]] = [unchanged[j]!, unchanged[k]!];
  }
  const sample = unchanged.slice(0, n).sort((a, b) => a - b);
  const mismatches: number[] = [];
  for (const i of sample) {
    const offset = i * chunkSize;
    const data = await reader.read(offset, Math.min(chunkSize, reader.size - offset));
    const want = parent[i] ?? null;
    const isZero = data.every((b) => b === 0);
    const same = want === null ? isZero : !isZero && (await hash(data)) === want;
    if (!same) mismatches.push(i);
  }
  return { sampled: sample.length, mismatched: mismatches.length, mismatches };
}

/** The error a failed audit fails the backup with. */
export function auditError(vg: string, lv: string, report: AuditReport): UlvmError {
  const list = report.mismatches.slice(0, 8).join(', ') + (report.mismatches.length > 8 ? ', …' : '');
  return new UlvmError(
    'BACKUP_AUDIT_FAILED',
    [`Self-audit of ${vg}/${lv} failed: ${report.mismatched} of ${report.sampled} chunks the change tracker called unchanged differ from the parent backup (chunks ${list}).`, 'The backup was not stored; run it again with a full read.'],
    5,
    { vg, lv, detail: `${report.mismatched} of ${report.sampled} audited chunks differ` },
  );
}

// A backup: the LVs snapshotted at one instant (a consistency group, hooks around it), then per
// LV only the chunks the change tracker says may have changed since the parent backup read from
// the snapshot, hashed, stored unless the repository has them, and the rest taken from the
// parent's chunk table; a sample of the "unchanged" chunks re-read and compared (the self-audit);
// the manifest written last, so a backup exists only when whole. A run killed anywhere leaves
// the repository valid: what it stored is in packs and indexes, and the next run finds it there
// (dedup) rather than sending it again.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fail, UlvmError } from '../errors.ts';
import type { Session } from '../api/session.ts';
import type { LvView } from '../api/views.ts';
import type { Repository } from './repo/repository.ts';
import type { RotatedChangeMap } from '../mapper/change-map.ts';
import type { BackupManifest, BackupStats, BackupVolume, ChangedRanges, ChunkId, ConsistencyKind, HookResult, VolumeReader } from './types.ts';
import { backupSnapshotName, BACKUP_TAG, repoSnapshotTag } from './naming.ts';
import { chunkIndexes, isZero } from './chunks.ts';
import { aroundInstant, fsfreezeResults, type BackupHook } from './hooks.ts';
import { chooseTracker } from './trackers.ts';
import { auditUnchanged, auditError } from './audit.ts';
import { startCowGuard } from './cow-guard.ts';
import { chooseCowSectors } from './cow-choice.ts';

export interface BackupProgress {
  phase: 'snapshot' | 'read' | 'audit' | 'done';
  volume?: string;
  bytesDone: number;
  bytesTotal: number;
}

export type ReaderFactory = (vg: string, lv: string) => Promise<VolumeReader>;

export interface BackupCreateOptions {
  vg: string;
  lvs: string[];
  /** Around the instant: PostgreSQL's backup mode, commands (fsfreeze is the daemon's, always). */
  hooks?: BackupHook[];
  /** Classic snapshots: the COW size in bytes (otherwise chosen from the measured write rate). */
  cowSize?: number;
  /** Seconds the backup is expected to take (for the COW size); otherwise estimated. */
  expectedDurationS?: number;
  /** Keep the classic snapshot after the backup, so the next run reads only its exceptions. */
  keepCow?: boolean;
  /** Chunks the tracker called unchanged that are re-read (default: max(16, 1 %)). */
  auditSample?: number;
  /** Chunks read and stored at once (default 4). */
  parallel?: number;
  tags?: string[];
  /** How a snapshot is read (the daemon's NBD export, the device tree, or an in-process open). */
  reader: ReaderFactory;
  onProgress?: (p: BackupProgress) => void;
  /** Unix ms (tests). */
  now?: () => number;
  /** Random source of the audit sample (tests). */
  random?: () => number;
}

interface Member {
  view: LvView;
  thin: boolean;
  /** A classic origin whose snapshot goes after the backup: its change map tracks the next run. */
  useMap: boolean;
  rotated?: RotatedChangeMap;
  snapshot: string;
  parent?: { manifest: BackupManifest; volume: BackupVolume };
}

/** The newest backup holding this LV (by uuid) whose snapshot is still in the VG. */
function parentOf(backups: BackupManifest[], view: LvView, lvs: readonly LvView[]): { manifest: BackupManifest; volume: BackupVolume } | undefined {
  for (const m of [...backups].sort((a, b) => b.time - a.time)) {
    const v = m.volumes.find((x) => x.lvUuid === view.uuid);
    if (v) return { manifest: m, volume: v };
  }
  void lvs;
  return undefined;
}

export async function createBackup(session: Session, repo: Repository, o: BackupCreateOptions): Promise<BackupManifest> {
  const now = o.now ?? Date.now;
  const started = now();
  if (!o.lvs.length) fail('Please specify at least one logical volume to back up.', 3, 'INVALID_ARGUMENT');
  const unlock = await repo.lock('shared', `backup ${o.vg}/${o.lvs.join(',')}`);
  const made: string[] = [];
  try {
    const lvs = await session.listLvs(o.vg);
    const byName = new Map(lvs.map((l) => [l.name, l]));
    const id = randomBytes(16).toString('hex');
    const summaries = await repo.listBackups();
    const full = await Promise.all(summaries.filter((s) => s.vg === o.vg && s.volumes.some((v) => o.lvs.some((n) => byName.get(n)?.uuid === v.lvUuid))).map((s) => repo.loadBackup(s.id)));
    const members: Member[] = [];
    for (const name of o.lvs) {
      const view = byName.get(name) ?? fail(`Failed to find logical volume "${o.vg}/${name}"`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: name });
      if (members.some((m) => m.view.name === name)) fail(`Logical volume ${o.vg}/${name} is named twice.`, 3, 'INVALID_ARGUMENT');
      if (view.origin || view.tags.includes(BACKUP_TAG)) fail(`Logical volume ${o.vg}/${name} is a snapshot; back up its origin.`, 5, 'INVALID_ARGUMENT', { vg: o.vg, lv: name });
      if (!view.segments.length || !['thin', 'linear', 'striped'].includes(view.segments[0]!.type))
        fail(`Logical volume ${o.vg}/${name} (${view.segments[0]?.type ?? 'no segments'}) cannot be backed up: thin, linear and striped volumes can.`, 5, 'INVALID_ARGUMENT', { vg: o.vg, lv: name });
      const thin = view.segments[0]!.type === 'thin';
      const parent = parentOf(full, view, lvs);
      members.push({ view, thin, useMap: !thin && !o.keepCow, snapshot: backupSnapshotName(name, id), ...(parent ? { parent } : {}) });
    }

    // Snapshots a killed run of this repository left of these origins are no base for anything.
    const repoTag = repoSnapshotTag(repo.id);
    const wanted = new Set(members.flatMap((m) => (m.parent ? [m.parent.volume.snapshot.name] : [])));
    for (const l of lvs) if (l.tags.includes(repoTag) && l.origin && o.lvs.includes(l.origin) && !wanted.has(l.name)) await removeQuietly(session, o.vg, l.name);

    // ----- the instant -----
    o.onProgress?.({ phase: 'snapshot', bytesDone: 0, bytesTotal: 0 });
    const vgView = (await session.listVgs()).find((v) => v.name === o.vg)!;
    let free = vgView.freeExtents;
    const groupMembers = members.map((m) => {
      if (m.thin) return { origin: m.view.name, name: m.snapshot, kind: 'thin' as const };
      const c = chooseCowSectors(m.view, m.parent, o, vgView.extentSize, free);
      free -= Math.ceil(c / vgView.extentSize);
      return { origin: m.view.name, name: m.snapshot, kind: 'cow' as const, size: { sectors: c } };
    });
    // A change map needs its LV active, so that the rotate at the instant ends its generation.
    const mapped = members.filter((m) => m.useMap);
    if (mapped.length) await session.activate(o.vg, mapped.map((m) => m.view.name));
    const atInstant = async () => {
      for (const m of mapped) m.rotated = await session.rotateChangeMap(o.vg, m.view.name);
    };
    const around = await aroundInstant(o.hooks ?? [], async () => {
      const g = await session.createSnapshotGroup({ vg: o.vg, members: groupMembers, tags: [BACKUP_TAG, repoTag], ...(mapped.length ? { atInstant } : {}) });
      for (const s of g.snapshots) made.push(s.name);
      return g;
    });
    const group = around.value;
    const holdMs = group.holdMs;
    const hookResults: HookResult[] = [...fsfreezeResults(group.frozen, holdMs), ...around.results];
    const failedAfter = around.results.find((r) => r.phase === 'post' && !r.ok);
    if (failedAfter) fail([`Backup hook ${failedAfter.kind} "${failedAfter.what}" failed after the snapshot; the copy would not be consistent, so nothing was stored.`, ...(failedAfter.output ? [failedAfter.output.trim()] : [])], 5, 'BACKUP_HOOK_FAILED');
    const backupLabel = around.backupLabel;
    const consistency: ConsistencyKind = around.results.some((r) => r.kind === 'postgres') ? 'postgres' : around.results.some((r) => r.kind === 'command') ? 'hook' : group.frozen.length ? 'fsfreeze' : 'crash-consistent';

    // ----- reading -----
    const stats: BackupStats = { bytesRead: 0, bytesNew: 0, bytesStored: 0, chunksNew: 0, chunksReused: 0, chunksZero: 0, durationMs: 0, holdMs };
    const volumes: BackupVolume[] = [];
    const total = members.reduce((n, m) => n + m.view.size, 0);
    let done = 0;
    for (const m of members) {
      const changed = await chooseTracker(session, o.vg, m, lvs);
      const v = await readVolume(session, repo, o, m, changed, stats, (n) => {
        done += n;
        o.onProgress?.({ phase: 'read', volume: `${o.vg}/${m.view.name}`, bytesDone: done, bytesTotal: total });
      });
      volumes.push(v);
    }
    stats.durationMs = now() - started;
    const manifest: BackupManifest = {
      id,
      time: started,
      host: hostname(),
      vg: o.vg,
      consistency,
      hooks: hookResults,
      ...(backupLabel !== undefined ? { backupLabel } : {}),
      ...(members.find((m) => m.parent) ? { parent: members.find((m) => m.parent)!.parent!.manifest.id } : {}),
      tags: [...(o.tags ?? [])],
      pinned: false,
      volumes,
      stats,
    };
    await repo.saveBackup(manifest);
    made.length = 0;
    // The new snapshots are the next run's base; the parents' are superseded.
    for (const m of members) {
      if (m.parent && m.parent.volume.snapshot.kind !== 'none' && lvs.some((l) => l.name === m.parent!.volume.snapshot.name)) await removeQuietly(session, o.vg, m.parent.volume.snapshot.name);
      const kept = m.thin || o.keepCow;
      if (!kept) await removeQuietly(session, o.vg, m.snapshot);
      else if (m.thin) await session.deactivate(o.vg, [m.snapshot]).catch(() => undefined);
    }
    o.onProgress?.({ phase: 'done', bytesDone: total, bytesTotal: total });
    return manifest;
  } finally {
    // A failed run removes the snapshots it made: they are no base for anything.
    for (const s of made) await removeQuietly(session, o.vg, s);
    await unlock();
  }
}

async function removeQuietly(session: Session, vg: string, lv: string): Promise<void> {
  try {
    await session.removeLv({ vg, lvs: [lv], force: true });
  } catch {
    // Left for the next run's clean-up of stale backup snapshots.
  }
}

async function readVolume(
  session: Session,
  repo: Repository,
  o: BackupCreateOptions,
  m: Member,
  changed: ChangedRanges,
  stats: BackupStats,
  progress: (bytes: number) => void,
): Promise<BackupVolume> {
  const size = m.view.size;
  const cs = repo.chunkSize;
  const count = Math.ceil(size / cs);
  const parentChunks = m.parent && m.parent.volume.size === size && m.parent.volume.chunkSize === cs ? m.parent.volume.chunks : undefined;
  const all = changed.ranges === 'all' || !parentChunks;
  const toRead = all ? Array.from({ length: count }, (_, i) => i) : chunkIndexes(changed.ranges as { offset: number; length: number }[], cs, count);
  const chunks: (ChunkId | null)[] = parentChunks && !all ? [...parentChunks] : new Array<ChunkId | null>(count).fill(null);
  const reader = await o.reader(o.vg, m.snapshot);
  const guard = m.thin ? undefined : startCowGuard(session, o.vg, m.snapshot, { thresholdPercent: 70, extendPercent: 50, intervalMs: 500 });
  let bytesRead = 0;
  // The audit's re-reads count in the backup's total, not as the volume's changed data.
  let auditBytes = 0;
  try {
    let next = 0;
    const worker = async () => {
      for (;;) {
        guard?.check();
        const k = next++;
        if (k >= toRead.length) return;
        const i = toRead[k]!;
        const off = i * cs;
        const len = Math.min(cs, size - off);
        const data = await reader.read(off, len);
        bytesRead += len;
        if (isZero(data)) {
          chunks[i] = null;
          stats.chunksZero++;
        } else {
          const id = repo.chunkId(data);
          chunks[i] = id;
          const r = await repo.putChunk(id, data);
          if (r.isNew) {
            stats.chunksNew++;
            stats.bytesNew += len;
            stats.bytesStored += r.stored;
          } else stats.chunksReused++;
        }
        progress(len);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.parallel ?? 4) }, worker));
    // The snapshot may have overflowed after the last read: then what was read is not one instant.
    guard?.check();
    let audit = { sampled: 0, mismatched: 0 };
    if (!all && parentChunks) {
      const read = new Set(toRead);
      const r = await auditUnchanged(parentChunks, read, reader, cs, (d) => repo.chunkId(d), { ...(o.auditSample !== undefined ? { sample: o.auditSample } : {}), ...(o.random ? { random: o.random } : {}) });
      audit = { sampled: r.sampled, mismatched: r.mismatched };
      auditBytes = r.sampled * cs;
      if (r.mismatched) throw auditError(o.vg, m.view.name, r);
    }
    stats.bytesRead += bytesRead + auditBytes;
    await repo.flush();
    return {
      vg: o.vg,
      lv: m.view.name,
      lvUuid: m.view.uuid,
      size,
      chunkSize: cs,
      chunks,
      snapshot: { name: m.snapshot, kind: m.thin ? 'thin' : o.keepCow ? 'cow' : 'none' },
      tracker: all ? (changed.ranges === 'all' ? changed.tracker : 'full') : changed.tracker,
      ...(changed.note ? { trackerNote: changed.note } : !parentChunks ? { trackerNote: 'no earlier backup of this volume: read in full' } : {}),
      audit,
      bytesRead,
      ...(m.rotated ? { changeMapGeneration: m.rotated.generation } : {}),
      ...(!all && m.parent ? { changedBytes: toRead.length * cs, intervalMs: Math.max(1, (o.now ?? Date.now)() - m.parent.manifest.time) } : {}),
    };
  } catch (e) {
    if (e instanceof UlvmError) throw e;
    throw new UlvmError('BACKUP_READ_FAILED', [`Reading ${o.vg}/${m.snapshot} failed: ${(e as Error).message}`], 5);
  } finally {
    await guard?.stop();
    await reader.close();
  }
}

export interface BackupEstimate {
  volumes: { lv: string; size: number; tracker: string; note?: string; bytesToRead: number }[];
  bytesToRead: number;
}

/**
 * What a backup would read, without snapshotting: the tracker's answer between the previous
 * backup's snapshot and the live origin (a thin origin's delta to that snapshot; a kept COW
 * snapshot's exceptions so far), else the whole volume.
 */
export async function estimateBackup(session: Session, repo: Repository, o: { vg: string; lvs: string[] }): Promise<BackupEstimate> {
  const lvs = await session.listLvs(o.vg);
  const summaries = await repo.listBackups();
  const full = await Promise.all(summaries.filter((s) => s.vg === o.vg).map((s) => repo.loadBackup(s.id)));
  const out: BackupEstimate = { volumes: [], bytesToRead: 0 };
  const cs = repo.chunkSize;
  for (const name of o.lvs) {
    const view = lvs.find((l) => l.name === name) ?? fail(`Failed to find logical volume "${o.vg}/${name}"`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: name });
    const thin = view.segments[0]?.type === 'thin';
    const parent = parentOf(full, view, lvs);
    // The live origin stands in for the snapshot the backup would take.
    const changed = await chooseTracker(session, o.vg, { view, thin, snapshot: name, ...(parent ? { parent } : {}) }, lvs);
    const count = Math.ceil(view.size / cs);
    const n = changed.ranges === 'all' ? count : chunkIndexes(changed.ranges, cs, count).length;
    const bytes = Math.min(view.size, n * cs);
    out.volumes.push({ lv: name, size: view.size, tracker: changed.ranges === 'all' ? 'full' : changed.tracker, ...(changed.note ? { note: changed.note } : {}), bytesToRead: bytes });
    out.bytesToRead += bytes;
  }
  return out;
}

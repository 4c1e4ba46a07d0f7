// The catalogue as a report: one row per backup, sizes in lvm2's report units (`<2.00g`), time as
// lvm2 prints lv_time; and the one-paragraph summary a finished backup prints.
import { reportSize, displaySize } from '../report/units.ts';
import { timeString } from '../report/fields-lv.ts';
import type { BackupManifest, BackupSummary } from './types.ts';
import type { Column } from './table.ts';

export const backupColumns: readonly Column[] = [
  { head: 'Backup', field: 'backup_id' },
  { head: 'Time', field: 'backup_time' },
  { head: 'VG', field: 'vg_name' },
  { head: 'LVs', field: 'lv_names' },
  { head: 'Consistency', field: 'consistency' },
  { head: 'Tracker', field: 'tracker' },
  { head: 'Size', field: 'size', right: true },
  { head: 'Read', field: 'bytes_read', right: true },
  { head: 'New', field: 'bytes_new', right: true },
  { head: 'Stored', field: 'bytes_stored', right: true },
  { head: 'Hold', field: 'hold_ms', right: true },
  { head: 'Pin', field: 'pinned' },
];

const size = (b: number) => reportSize(b / 512);

export function backupRows(list: readonly BackupSummary[]): string[][] {
  return list.map((b) => [
    b.id.slice(0, 8),
    timeString(Math.floor(b.time / 1000)),
    b.vg,
    b.volumes.map((v) => v.lv).join(','),
    b.consistency,
    [...new Set(b.volumes.map((v) => v.tracker))].join(','),
    size(b.volumes.reduce((n, v) => n + v.size, 0)),
    size(b.stats.bytesRead),
    size(b.stats.bytesNew),
    size(b.stats.bytesStored),
    b.stats.holdMs !== undefined ? `${b.stats.holdMs.toFixed(1)}ms` : '',
    b.pinned ? 'pinned' : '',
  ]);
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What `ulvm backup create` prints when it is done. */
export function createdText(m: BackupManifest): string[] {
  const s = m.stats;
  const lines = [`Backup ${m.id.slice(0, 8)} of ${m.vg}/${m.volumes.map((v) => v.lv).join(',')} created (${m.consistency}, writers held ${(s.holdMs ?? 0).toFixed(1)} ms).`];
  for (const v of m.volumes) {
    lines.push(
      `  ${m.vg}/${v.lv}: ${displaySize(v.size / 512)}, ${v.tracker}${v.trackerNote ? ` (${v.trackerNote})` : ''}, read ${displaySize(v.bytesRead / 512)}` +
        (v.audit.sampled ? `, audit ${v.audit.sampled} unchanged chunks re-read, ${v.audit.mismatched} differed` : '') +
        '.',
    );
  }
  lines.push(`Read ${displaySize(s.bytesRead / 512)}, new ${displaySize(s.bytesNew / 512)} in ${s.chunksNew} chunk${s.chunksNew === 1 ? '' : 's'}, stored ${displaySize(s.bytesStored / 512)}, reused ${s.chunksReused} chunk${s.chunksReused === 1 ? '' : 's'}, ${s.chunksZero} zero chunk${s.chunksZero === 1 ? '' : 's'}, in ${secs(s.durationMs)}.`);
  if (m.backupLabel !== undefined) lines.push('PostgreSQL backup_label stored with the backup.');
  return lines;
}

// Which backups a retention policy keeps, with restic's semantics: backups of the same source
// (host, VG and set of LVs) are walked newest first; each keep-* rule has a count of buckets
// (the backup itself, its hour, day, ISO week, month; in UTC so the answer does not depend on
// the machine's zone) and keeps the newest backup of each new bucket until its count is used up
// (a negative count: no limit). A backup is kept if any rule keeps it, or it is pinned.
import type { BackupSummary, RetentionPolicy } from '../types.ts';

export interface PruneDecision {
  keep: { id: string; reasons: string[] }[];
  remove: string[];
}

type Rule = { name: string; count: number; bucket: (t: Date, s: BackupSummary) => string };

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const day = (t: Date): string => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;

/** ISO 8601 week-numbering year and week: weeks start on Monday; week 1 holds the year's first Thursday. */
export function isoWeek(t: Date): string {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const dow = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dow);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad(week)}`;
}

export function sourceOf(s: BackupSummary): string {
  return JSON.stringify([s.host, s.vg, s.volumes.map((v) => `${v.vg}/${v.lv}`).sort()]);
}

export function applyRetention(backups: BackupSummary[], policy: RetentionPolicy): PruneDecision {
  const rules: Rule[] = [
    { name: 'last', count: policy.keepLast ?? 0, bucket: (_t, s) => s.id },
    { name: 'hourly', count: policy.keepHourly ?? 0, bucket: (t) => `${day(t)}T${pad(t.getUTCHours())}` },
    { name: 'daily', count: policy.keepDaily ?? 0, bucket: (t) => day(t) },
    { name: 'weekly', count: policy.keepWeekly ?? 0, bucket: (t) => isoWeek(t) },
    { name: 'monthly', count: policy.keepMonthly ?? 0, bucket: (t) => `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}` },
  ];
  const anyRule = rules.some((r) => r.count !== 0);
  const groups = new Map<string, BackupSummary[]>();
  for (const b of backups) {
    const k = sourceOf(b);
    const g = groups.get(k);
    if (g) g.push(b);
    else groups.set(k, [b]);
  }
  const reasons = new Map<string, string[]>();
  for (const group of groups.values()) {
    group.sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1));
    const state = rules.map((r) => ({ ...r, last: undefined as string | undefined }));
    for (const b of group) {
      const why: string[] = [];
      if (b.pinned) why.push('pinned');
      if (!anyRule) why.push('no policy');
      for (const r of state) {
        if (r.count === 0) continue;
        const v = r.bucket(new Date(b.time), b);
        if (v === r.last) continue;
        r.last = v;
        if (r.count > 0) r.count--;
        why.push(r.name);
      }
      reasons.set(b.id, why);
    }
  }
  const keep: PruneDecision['keep'] = [];
  const remove: string[] = [];
  for (const b of [...backups].sort((x, y) => x.time - y.time || (x.id < y.id ? -1 : 1))) {
    const why = reasons.get(b.id) ?? [];
    if (why.length) keep.push({ id: b.id, reasons: why });
    else remove.push(b.id);
  }
  return { keep, remove };
}

// Retention with restic's semantics, as tables with fixed times (UTC): each rule keeps the newest
// backup of each of its last N buckets, per source (host, VG, LVs); pinned backups always stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackupSummary, RetentionPolicy } from '../../src/backup/types.ts';
import { applyRetention, isoWeek } from '../../src/backup/repo/retention.ts';
import { summaryOf } from '../../src/backup/repo/manifest.ts';
import { chunkData, manifest, newRepo, scratch } from './backup-repo-helpers.ts';

function b(id: string, iso: string, o: { lv?: string; pinned?: boolean } = {}): BackupSummary {
  return summaryOf(manifest(id, Date.parse(iso), [{ lv: o.lv ?? 'db', size: 0, chunkSize: 65536, chunks: [] }], { pinned: o.pinned ?? false }));
}

const cases: { name: string; policy: RetentionPolicy; backups: BackupSummary[]; keep: Record<string, string[]> }[] = [
  {
    name: 'keepLast 3 of 5: the three newest',
    policy: { keepLast: 3 },
    backups: [b('a', '2026-01-01T10:00Z'), b('b', '2026-01-02T10:00Z'), b('c', '2026-01-03T10:00Z'), b('d', '2026-01-04T10:00Z'), b('e', '2026-01-05T10:00Z')],
    keep: { c: ['last'], d: ['last'], e: ['last'] },
  },
  {
    name: 'keepDaily 2: the newest of each of the two newest days',
    policy: { keepDaily: 2 },
    backups: [b('a', '2026-03-01T10:00Z'), b('b', '2026-03-01T12:00Z'), b('c', '2026-03-02T09:00Z'), b('d', '2026-03-02T18:00Z'), b('e', '2026-03-03T08:00Z')],
    keep: { d: ['daily'], e: ['daily'] },
  },
  {
    name: 'keepDaily counts days that have backups, not calendar days',
    policy: { keepDaily: 2 },
    backups: [b('a', '2026-03-01T10:00Z'), b('b', '2026-03-10T12:00Z'), b('c', '2026-03-20T09:00Z')],
    keep: { b: ['daily'], c: ['daily'] },
  },
  {
    name: 'keepHourly 2',
    policy: { keepHourly: 2 },
    backups: [b('a', '2026-03-01T10:05Z'), b('b', '2026-03-01T10:40Z'), b('c', '2026-03-01T11:10Z'), b('d', '2026-03-01T11:50Z'), b('e', '2026-03-01T12:30Z')],
    keep: { d: ['hourly'], e: ['hourly'] },
  },
  {
    name: 'keepWeekly 2 across a year end: ISO weeks (2025-12-29 is in 2026-W01)',
    policy: { keepWeekly: 2 },
    backups: [b('sun52', '2025-12-28T12:00Z'), b('mon01', '2025-12-29T12:00Z'), b('sun01', '2026-01-04T12:00Z'), b('mon02', '2026-01-05T12:00Z')],
    keep: { sun01: ['weekly'], mon02: ['weekly'] },
  },
  {
    name: 'keepMonthly 3 with keepLast 1: reasons combine',
    policy: { keepMonthly: 3, keepLast: 1 },
    backups: [b('jan', '2026-01-31T23:00Z'), b('feb1', '2026-02-01T00:00Z'), b('feb2', '2026-02-20T00:00Z'), b('mar', '2026-03-05T00:00Z'), b('apr', '2026-04-02T00:00Z')],
    keep: { apr: ['last', 'monthly'], mar: ['monthly'], feb2: ['monthly'] },
  },
  {
    name: 'pinned backups are kept whatever the policy',
    policy: { keepLast: 1 },
    backups: [b('old', '2025-01-01T00:00Z', { pinned: true }), b('mid', '2025-06-01T00:00Z'), b('new', '2026-01-01T00:00Z')],
    keep: { old: ['pinned'], new: ['last'] },
  },
  {
    name: 'each source is counted on its own',
    policy: { keepLast: 1 },
    backups: [b('db1', '2026-01-01T00:00Z'), b('db2', '2026-01-02T00:00Z'), b('log1', '2026-01-01T00:00Z', { lv: 'log' }), b('log2', '2026-01-03T00:00Z', { lv: 'log' })],
    keep: { db2: ['last'], log2: ['last'] },
  },
  {
    name: 'a negative count is no limit',
    policy: { keepDaily: -1 },
    backups: [b('a', '2026-01-01T01:00Z'), b('b', '2026-01-01T02:00Z'), b('c', '2026-01-02T00:00Z'), b('d', '2026-01-09T00:00Z')],
    keep: { b: ['daily'], c: ['daily'], d: ['daily'] },
  },
  {
    name: 'no rule at all removes nothing',
    policy: {},
    backups: [b('a', '2026-01-01T01:00Z'), b('b', '2026-01-02T01:00Z')],
    keep: { a: ['no policy'], b: ['no policy'] },
  },
];

for (const c of cases) {
  test(`retention: ${c.name}`, () => {
    // Input order must not matter.
    const d = applyRetention([...c.backups].reverse(), c.policy);
    assert.deepEqual(Object.fromEntries(d.keep.map((k) => [k.id, k.reasons])), c.keep);
    assert.deepEqual(
      d.remove.sort(),
      c.backups
        .map((x) => x.id)
        .filter((id) => !(id in c.keep))
        .sort(),
    );
  });
}

test('ISO weeks at year boundaries', () => {
  assert.equal(isoWeek(new Date('2021-01-03T12:00Z')), '2020-W53');
  assert.equal(isoWeek(new Date('2021-01-04T00:00Z')), '2021-W01');
  assert.equal(isoWeek(new Date('2024-12-30T00:00Z')), '2025-W01');
  assert.equal(isoWeek(new Date('2026-06-15T00:00Z')), '2026-W25');
});

test('Repository.prune: a dry run changes nothing, a real one deletes exactly what it reports', async (t) => {
  const { repo } = await newRepo(scratch(t));
  const d = chunkData('x', 65536);
  const id = repo.chunkId(d);
  await repo.putChunk(id, d);
  for (const [name, day] of [['a', 1], ['b', 2], ['c', 3], ['d', 4]] as const) {
    await repo.saveBackup(manifest(name, Date.parse(`2026-05-0${day}T12:00Z`), [{ lv: 'db', size: 65536, chunkSize: 65536, chunks: [id] }]));
  }
  await repo.setPinned('a', true);
  const dry = await repo.prune({ keepLast: 2 }, { dryRun: true });
  assert.deepEqual(dry.remove, ['b']);
  assert.equal((await repo.listBackups()).length, 4);
  const real = await repo.prune({ keepLast: 2 });
  assert.deepEqual(real, dry);
  assert.deepEqual((await repo.listBackups()).map((s) => s.id), ['a', 'c', 'd']);
});

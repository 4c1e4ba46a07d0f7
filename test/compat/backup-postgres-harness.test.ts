// The PostgreSQL backup scenario's harness on its own (lab task 7, before ulvm's backups): a
// PostgreSQL 15 cluster on ext4 on a ulvm LV (thin in a pool, and plain) under pgbench and a
// canary writer; a snapshot taken while it runs (the daemon freezes the file system for the
// instant), copied to an image file as a tool reading the device would, the copy mounted and a
// second cluster started on it: crash recovery finishes, pg_amcheck is clean, pgbench's balances
// agree, the canary's ids are contiguous and reach the last one acknowledged before the instant.
// pgbench's throughput while the snapshot is copied is measured against without. Then the
// checks are shown to fail on a copy with a lost commit, broken balances and a corrupt page. A third
// run puts the snapshot inside pg_backup_start/pg_backup_stop with WAL archiving and restores it
// with its backup_label and archive recovery.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PgLab, copyDevice, startDatabase, startFromImage, underLoad } from '../helpers/pg-lab.ts';
import { BaseBackupSession, breakRestored, checkRestored, pgSkipReason, pgbenchRun, socketPort } from '../helpers/postgres.ts';

const SCALE = 5; // 500,000 accounts, about 75 MiB of tables and indexes
const BASE_SECONDS = 6;
const LOAD_SECONDS = 8;

/**
 * `baseBackup`: the snapshot inside pg_backup_start/pg_backup_stop with WAL archiving, restored
 * with the backup_label and archive recovery; otherwise a crash-consistent snapshot.
 */
async function scenario(t: TestContext, kind: 'thin' | 'plain', ports: number, baseBackup = false): Promise<void> {
  const lab = await PgLab.create(t, 1024);
  const vol = await lab.volume(kind, 'db', 384);
  const archiveDir = baseBackup ? join(lab.dir, 'wal-archive') : undefined;
  const { pg, canary } = await startDatabase(lab, vol, { scale: SCALE, port: socketPort(ports), archiveDir });

  const without = await pgbenchRun(pg, { seconds: BASE_SECONDS });
  // Under load: the snapshot and its copy, then the copy again and again until pgbench ends, so
  // the throughput measured is the throughput while a backup reads the snapshot.
  const image = join(lab.dir, 'snap.img');
  const { load: during, result, repeats } = await underLoad(
    pg,
    LOAD_SECONDS,
    async () => {
      const started = baseBackup ? await BaseBackupSession.start(pg, 'ulvm snapshot') : undefined;
      const snap = await lab.snapshot(vol, 'snap', 192);
      const stopped = await started?.session.stop(true);
      return { snap, stopped, copy: await copyDevice(snap.dev, image) };
    },
    async () => void (await copyDevice(lab.dev('snap'), join(lab.dir, 'scratch.img'))),
  );
  const { snap, copy, stopped } = result;
  const acked = canary.ackedBefore(snap.instant);
  const ackedWhileCopying = canary.ackedBetween(snap.instant, snap.instant + snap.ms + copy.ms);
  const highest = await canary.stop();
  assert.equal(canary.error, undefined);
  t.diagnostic(
    `${kind}: pgbench -c 4 without a copy ${without.tps.toFixed(0)} tps, while the snapshot is taken and copied (${repeats + 1}×) ${during.tps.toFixed(0)} tps ` +
      `(${((during.tps / without.tps) * 100).toFixed(0)}%); lvcreate -s ${snap.ms.toFixed(0)} ms, frozen ${snap.frozenMs ?? '?'} ms; ` +
      `copy of ${(copy.bytes / 2 ** 20).toFixed(0)} MiB in ${copy.ms.toFixed(0)} ms; canary: ${acked} acked before the snapshot, ${ackedWhileCopying} during it, ${highest} in all`,
  );
  assert.equal(without.failed + during.failed, 0, 'no pgbench transaction failed');
  assert.ok(during.tps > 0 && without.tps > 0);
  assert.ok(acked > 0, 'the canary committed before the snapshot');
  assert.ok(ackedWhileCopying > 0, 'the database kept committing while the snapshot was taken and copied');

  if (stopped) assert.match(stopped.backupLabel, /^START WAL LOCATION: .*\nCHECKPOINT LOCATION: .*\nBACKUP METHOD: streamed\n/);
  const { cluster: restored } = await startFromImage(lab, image, 'restored', { port: socketPort(ports + 1), backupLabel: stopped?.backupLabel, restoreFrom: archiveDir });
  const report = await checkRestored(restored, { ackedBeforeSnapshot: acked });
  t.diagnostic(`${kind} restored: canary ${JSON.stringify(report.canary)}, balances ${JSON.stringify(report.balances)}; ${report.recovery.join(' / ')}`);
  assert.deepEqual(report.problems, []);
  assert.ok(report.canary && report.balances);
  if (baseBackup) {
    assert.ok(report.recovery.some((l) => /starting backup recovery with redo LSN/.test(l)), 'recovery started from the backup_label');
    assert.ok(report.recovery.some((l) => /archive recovery complete/.test(l)), 'archive recovery ran to the end of the archive');
  } else assert.ok(report.recovery.some((l) => /automatic recovery in progress/.test(l)), 'the copy of a running cluster went through crash recovery');
  assert.ok(report.canary.max <= highest + 1, 'the copy holds no id beyond the one in flight at the end');

  // The checks can fail: a lost commit, a torn transaction, a corrupt page.
  const broken = await breakRestored(restored, Math.ceil(acked / 2));
  const bad = await checkRestored(broken, { ackedBeforeSnapshot: acked });
  assert.equal(bad.problems.length, 3, bad.problems.join('\n'));
  assert.match(bad.problems[0]!, /^pg_amcheck \(rc [1-9]\d*\): .*invalid page in block 3 of relation/s);
  assert.match(bad.problems[1]!, /^pgbench balances differ/);
  assert.match(bad.problems[2]!, /^canary ids not contiguous/);
}

test('PostgreSQL on a thin LV: a thin snapshot taken under load and copied restores, recovers and passes every check', { timeout: 150_000 }, async (t) => {
  const why = pgSkipReason();
  if (why) return t.skip(why);
  await scenario(t, 'thin', 0);
});

test('PostgreSQL on a plain LV: a classic snapshot taken under load and copied restores, recovers and passes every check', { timeout: 150_000 }, async (t) => {
  const why = pgSkipReason();
  if (why) return t.skip(why);
  await scenario(t, 'plain', 2);
});

test('PostgreSQL on a thin LV: a snapshot inside pg_backup_start/stop restores with its backup_label and the WAL archive', { timeout: 150_000 }, async (t) => {
  const why = pgSkipReason();
  if (why) return t.skip(why);
  await scenario(t, 'thin', 4, true);
});

// The lab's task 7 as a test: PostgreSQL 15 on ext4 on a ulvm LV (thin, and plain with classic
// snapshots), under pgbench and a canary writer, backed up with `ulvm backup create` twice while it
// runs — a full backup, then an incremental one — without stopping it. The latest backup is
// restored to an image file; a second cluster started on it finishes crash recovery, pg_amcheck
// is clean, pgbench's balances agree, and the canary's ids are contiguous up to at least the last
// one acknowledged before the backup began. The incremental run reads only what the tracker (the
// pool's delta; the change map) says changed. The repository verifies in full afterwards.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { PgLab, startDatabase, startFromImage, underLoad } from '../helpers/pg-lab.ts';
import { checkRestored, pgSkipReason, pgbenchRun, socketPort } from '../helpers/postgres.ts';

const SCALE = 5;
const VOLUME_MIB = 384;

interface Created {
  backup: { id: string; stats: { bytesRead: number; holdMs?: number; durationMs: number }; volumes: { tracker: string; bytesRead: number; size: number; audit: { sampled: number; mismatched: number } }[] };
}

async function scenario(t: TestContext, kind: 'thin' | 'plain', ports: number): Promise<void> {
  const lab = await PgLab.create(t, 1536);
  lab.runEnv.ULVM_BACKUP_PASSPHRASE = 'the lab report, task 7';
  lab.runEnv.ULVM_BACKUP_REPO = join(lab.dir, 'repo');
  const vol = await lab.volume(kind, 'db', VOLUME_MIB);
  const { pg, canary } = await startDatabase(lab, vol, { scale: SCALE, port: socketPort(ports) });
  await lab.ulvmOk('backup', 'init', '--cheap-kdf');
  const backup = async (): Promise<{ created: Created; started: number }> => {
    const started = performance.now();
    // A classic snapshot is given room for what pgbench writes while the backup reads.
    const r = await lab.ulvmOk('backup', 'create', '--reportformat', 'json', '--progress', 'none', ...(kind === 'plain' ? ['--cow-size', '192m'] : []), `${vol.vg}/${vol.lv}`);
    return { created: JSON.parse(r.stdout) as Created, started };
  };

  const without = await pgbenchRun(pg, { seconds: 5 });
  const first = await underLoad(pg, 6, backup);
  const full = first.result.created.backup;
  assert.equal(full.volumes[0]!.tracker, 'full');
  // More work between the two backups, then the incremental one, still under load.
  await pgbenchRun(pg, { seconds: 3 });
  const second = await underLoad(pg, 6, backup);
  const incr = second.result.created.backup;
  const acked = canary.ackedBefore(second.result.started);
  const highest = await canary.stop();
  assert.equal(canary.error, undefined);
  const v = incr.volumes[0]!;
  t.diagnostic(
    `${kind}: pgbench ${without.tps.toFixed(0)} tps without a backup, ${first.load.tps.toFixed(0)} during the full one, ${second.load.tps.toFixed(0)} during the incremental one; ` +
      `full read ${(full.stats.bytesRead / 2 ** 20).toFixed(0)} MiB in ${full.stats.durationMs} ms (writers held ${full.stats.holdMs?.toFixed(1)} ms); ` +
      `incremental (${v.tracker}) read ${(v.bytesRead / 2 ** 20).toFixed(0)} MiB of ${(v.size / 2 ** 20).toFixed(0)} MiB in ${incr.stats.durationMs} ms (held ${incr.stats.holdMs?.toFixed(1)} ms), audit ${v.audit.sampled}/${v.audit.mismatched}; canary ${acked} acked before, ${highest} in all`,
  );
  assert.equal(without.failed + first.load.failed + second.load.failed, 0, 'no pgbench transaction failed: the database never stopped');
  assert.equal(v.tracker, kind === 'thin' ? 'thin-delta' : 'change-map');
  assert.ok(v.bytesRead < v.size / 2, `the incremental backup read ${v.bytesRead} of ${v.size} bytes`);
  assert.equal(v.audit.mismatched, 0);
  assert.ok(acked > 0);

  const image = join(lab.dir, 'restored.img');
  await lab.ulvmOk('backup', 'restore', '--progress', 'none', `${incr.id.slice(0, 8)}/${vol.lv}`, image);
  const { cluster } = await startFromImage(lab, image, 'restored', { port: socketPort(ports + 1) });
  const report = await checkRestored(cluster, { ackedBeforeSnapshot: acked });
  t.diagnostic(`${kind} restored: canary ${JSON.stringify(report.canary)}; ${report.recovery.join(' / ')}`);
  assert.deepEqual(report.problems, []);
  assert.ok(report.recovery.some((l) => /automatic recovery in progress|redo done/.test(l)), 'the backup of a running cluster went through crash recovery');
  const verify = await lab.ulvmOk('backup', 'verify', '--full');
  assert.match(verify.stdout, /no problems\./);
}

test('PostgreSQL on a thin LV: backed up twice under load (full, then thin delta), restored, recovered, every check passes', { timeout: 240_000 }, async (t) => {
  const why = pgSkipReason();
  if (why) return t.skip(why);
  await scenario(t, 'thin', 10);
});

test('PostgreSQL on a plain LV: backed up twice under load (classic snapshots, change map), restored, recovered, every check passes', { timeout: 240_000 }, async (t) => {
  const why = pgSkipReason();
  if (why) return t.skip(why);
  await scenario(t, 'plain', 12);
});

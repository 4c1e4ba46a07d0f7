// The PostgreSQL hook against a real PostgreSQL 15 (Debian's binaries, a throw-away cluster run
// as the postgres user): pg_backup_start before the instant and pg_backup_stop after it in one
// session give the backup_label; a server that is not there aborts before the instant; a session
// killed between the two marks the post hook failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { aroundInstant, postgresHook, HookFailedError } from '../../src/backup/hooks.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const PSQL = existsSync(join(BIN, 'psql')) ? join(BIN, 'psql') : '/usr/bin/psql';

function why(): string | undefined {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) return `no PostgreSQL 15 binaries in ${BIN}`;
  if (!existsSync(PSQL)) return 'no psql';
  if (userInfo().uid !== 0) return 'needs root (to run the cluster as postgres with runuser)';
  if (spawnSync('id', ['postgres']).status !== 0) return 'no postgres user';
  return undefined;
}

const skip = why();

test('the postgres hook returns the backup_label of a real PostgreSQL 15', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-pg-'));
  const pwent = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, Number(pwent), gid);
  const data = join(dir, 'data');
  const as = (cmd: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const port = String(20000 + Math.floor(Math.random() * 20000));
  as(join(BIN, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  as(join(BIN, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-k ${dir} -p ${port} -c listen_addresses=''`, 'start']);
  t.after(() => {
    spawnSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
  const args = ['-h', dir, '-p', port, '-U', 'postgres', 'postgres'];
  const psql = (sql: string) => execFileSync(PSQL, ['-X', '-A', '-t', ...args, '-c', sql], { encoding: 'utf8' }).trim();

  // The instant sees the backup in progress, in the hook's session.
  const hook = postgresHook({ psql: PSQL, args, label: 'ulvm test backup' });
  let during = '';
  const r = await aroundInstant([hook], async () => {
    during = psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%pg_backup_start%' AND pid <> pg_backend_pid()");
    return 'snapshot';
  });
  assert.equal(during, '1', 'one session has the backup open during the instant');
  assert.equal(r.value, 'snapshot');
  assert.deepEqual(r.results.map((x) => [x.kind, x.phase, x.ok]), [['postgres', 'pre', true], ['postgres', 'post', true]]);
  assert.match(r.results[0]!.output!, /^pg_backup_start: [0-9A-F]+\/[0-9A-F]+$/);
  assert.ok(r.backupLabel, 'a backup label');
  assert.match(r.backupLabel!, /^START WAL LOCATION: [0-9A-F]+\/[0-9A-F]+ \(file [0-9A-F]{24}\)$/m);
  assert.match(r.backupLabel!, /^LABEL: ulvm test backup$/m);
  assert.match(r.backupLabel!, /^BACKUP METHOD: streamed$/m);
  // The backup ended with the session: none is open now, and a second one can start.
  assert.equal(psql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%pg_backup%' AND pid <> pg_backend_pid()"), '0');

  // A session killed between start and stop: the post is marked failed, the instant stands.
  const killed = postgresHook({ psql: PSQL, args, label: 'killed' });
  const k = await aroundInstant([killed], async () => {
    psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND query LIKE '%pg_backup_start%' AND pid <> pg_backend_pid()");
    return 1;
  });
  assert.deepEqual(k.results.map((x) => [x.phase, x.ok]), [['pre', true], ['post', false]]);
  assert.match(k.results[1]!.output!, /^pg_backup_stop failed: /);
  assert.equal(k.backupLabel, undefined);

  // A quoted label goes through as it is.
  const q = await aroundInstant([postgresHook({ psql: PSQL, args, label: "it's a test" })], async () => 0);
  assert.match(q.backupLabel!, /^LABEL: it's a test$/m);
});

test('the postgres hook aborts before the instant when the server is not there', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-pg-none-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let instant = false;
  await assert.rejects(
    aroundInstant([postgresHook({ psql: PSQL, args: ['-h', dir, '-p', '1', '-U', 'postgres', 'postgres'], label: 'x' })], async () => {
      instant = true;
    }),
    (e: unknown) => {
      assert.ok(e instanceof HookFailedError, String(e));
      assert.equal(e.code, 'BACKUP_HOOK_FAILED');
      assert.match(e.message, /pg_backup_start failed: psql ended \(status 2\): .*connection to server on socket/s);
      return true;
    },
  );
  assert.equal(instant, false);
});

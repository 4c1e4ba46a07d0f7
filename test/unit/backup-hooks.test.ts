// Command hooks around a backup's instant: results in order, a failing pre aborts with its stderr
// (and the posts still run), a failing post is marked; with a snapshot group as the instant, a
// failing pre leaves the VG as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aroundInstant, commandHook, fsfreezeResults, HookFailedError } from '../../src/backup/hooks.ts';
import { Session, MemoryDisks, UlvmError } from '../../src/index.ts';

const MiB = 1024 * 1024;

function tmp(t: { after: (fn: () => unknown) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-hooks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('command hooks run before and after the instant, in order', async (t) => {
  const dir = tmp(t);
  const log = join(dir, 'log');
  const order: string[] = [];
  const r = await aroundInstant([commandHook(`echo pre1 >> ${log}; echo said-pre1`, `echo post1 >> ${log}`), commandHook(`echo pre2 >> ${log}`, `echo post2 >> ${log}; echo oops >&2; exit 4`)], async () => {
    order.push(readFileSync(log, 'utf8'));
    return 42;
  });
  assert.equal(r.value, 42);
  assert.equal(order[0], 'pre1\npre2\n', 'both pre hooks ran before the instant');
  assert.equal(readFileSync(log, 'utf8'), 'pre1\npre2\npost2\npost1\n', 'posts in reverse order');
  assert.deepEqual(r.results.map((x) => [x.phase, x.ok]), [['pre', true], ['pre', true], ['post', false], ['post', true]]);
  assert.equal(r.results[0]!.output, 'said-pre1\n');
  assert.match(r.results[2]!.output!, /exited with status 4\noops$/);
  assert.equal(r.backupLabel, undefined);
});

test('a failing pre hook aborts: the instant never comes, the error carries stderr, posts run', async (t) => {
  const dir = tmp(t);
  const post = join(dir, 'post-ran');
  let instant = false;
  await assert.rejects(
    aroundInstant([commandHook('true', `touch ${post}-1`), commandHook('echo "database is busy" >&2; exit 3', `touch ${post}-2`)], async () => {
      instant = true;
    }),
    (e: unknown) => {
      assert.ok(e instanceof HookFailedError && e instanceof UlvmError);
      assert.equal(e.code, 'BACKUP_HOOK_FAILED');
      assert.match(e.message, /^Backup hook command .* failed before the snapshot; nothing was snapshotted\.\n.*exited with status 3\ndatabase is busy$/s);
      assert.deepEqual(e.results.map((x) => [x.phase, x.ok]), [['pre', true], ['pre', false], ['post', true], ['post', true]]);
      return true;
    },
  );
  assert.equal(instant, false);
  assert.ok(existsSync(`${post}-1`) && existsSync(`${post}-2`), 'every post ran');
});

test('a failing pre hook before a snapshot group: nothing is created', async (t) => {
  const dir = tmp(t);
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, activation: 'in-process' });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'a', size: '8m' });
  const before = await s.listVgs();
  await assert.rejects(
    aroundInstant([commandHook('exit 1')], () => s.createSnapshotGroup({ vg: 'vg', members: [{ origin: 'a', name: 'sa', kind: 'cow', size: { extents: 2 } }] })),
    (e: unknown) => e instanceof UlvmError && e.code === 'BACKUP_HOOK_FAILED',
  );
  assert.deepEqual(await s.listVgs(), before, 'same seqno, same LVs, same free space');
  assert.deepEqual((await s.listLvs('vg')).map((l) => l.name), ['a']);
  // The same group with a passing hook is made.
  const ok = await aroundInstant([commandHook('true')], () => s.createSnapshotGroup({ vg: 'vg', members: [{ origin: 'a', name: 'sa', kind: 'cow', size: { extents: 2 } }] }));
  assert.deepEqual(ok.value.snapshots.map((x) => x.name), ['sa']);
});

test('frozen mount points become fsfreeze results', () => {
  assert.deepEqual(fsfreezeResults(['/mnt/db'], 12), [
    { kind: 'fsfreeze', what: '/mnt/db', phase: 'pre', ok: true, durationMs: 12 },
    { kind: 'fsfreeze', what: '/mnt/db', phase: 'post', ok: true, durationMs: 0 },
  ]);
  assert.deepEqual(fsfreezeResults([], 3), []);
});

// A backup killed (SIGKILL) in the middle of storing: the repository still opens and verifies,
// holds no backup from the killed run, and the next run finishes without sending again the
// chunks the killed one had made durable; the snapshot the killed run left is cleaned up, and
// the backup restores the volume exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { sparseFile } from '../helpers/files.ts';
import { NbdClient } from '../../src/nbd/client.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a backup killed while storing leaves a valid repository, and the next run resumes', { skip: !existsSync(new URL('../../dist/ulvm.cjs', import.meta.url)) && 'dist/ not built (npm run build)', timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-backup-kill-'));
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_BACKUP_PASSPHRASE: 'kill -9', ULVM_BACKUP_REPO: join(dir, 'repo') };
  const ulvm = async (...args: string[]) => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], { env, cwd: dir, timeout: 120_000, maxBuffer: 64 * MiB });
      return { rc: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { rc: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await ulvm(...args);
    assert.equal(r.rc, 0, `ulvm ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    return r;
  };
  t.after(async () => {
    await ulvm('daemon', 'stop', '--force');
    rmSync(dir, { recursive: true, force: true });
  });
  const disk = sparseFile(join(dir, 'disk.img'), 700 * MiB);
  await ok('pvcreate', disk);
  await ok('vgcreate', 'vg', disk);
  await ok('lvcreate', '--type', 'thin-pool', '-L', '600m', '-n', 'pool', 'vg');
  await ok('lvcreate', '-V', '256m', '--thinpool', 'vg/pool', '-n', 'db');
  const data = randomBytes(256 * MiB);
  const c = await NbdClient.connect(join(dir, 'run', 'nbd.sock'), 'vg/db');
  for (let at = 0; at < data.length; at += 4 * MiB) await c.write(at, data.subarray(at, at + 4 * MiB));
  await c.flush();
  await c.close();
  await ok('backup', 'init', '--cheap-kdf');

  // Killed once the first index file (a resume point: packs made durable) is in the repository.
  const child = spawn(process.execPath, [BIN, 'backup', 'create', '--parallel', '1', '--progress', 'none', 'vg/db'], { env, cwd: dir, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const indexDir = join(dir, 'repo', 'index');
  let killed = false;
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    if (existsSync(indexDir) && readdirSync(indexDir).length) {
      child.kill('SIGKILL');
      killed = true;
      break;
    }
    await sleep(10);
  }
  await exited;
  assert.ok(killed, 'the backup was killed while storing (it did not finish first)');

  const list = await ok('backup', 'list');
  assert.match(list.stdout, /No backups/);
  await ok('backup', 'verify');
  const left = await ok('lvs', '--noheadings', '-o', 'lv_name,lv_tags', 'vg');
  assert.match(left.stdout, /db_bk_[0-9a-f]{8}/, 'the killed run left its snapshot');

  const r = await ok('backup', 'create', '--reportformat', 'json', '--progress', 'none', 'vg/db');
  const m = JSON.parse(r.stdout).backup as { id: string; volumes: { snapshot: { name: string } }[]; stats: { bytesNew: number; chunksReused: number } };
  assert.ok(m.stats.chunksReused > 0, 'chunks the killed run stored are not stored again');
  assert.ok(m.stats.bytesNew < 256 * MiB, `the second run sent ${m.stats.bytesNew} new bytes of 256 MiB`);
  const after = await ok('lvs', '--noheadings', '-o', 'lv_name', 'vg');
  const snaps = after.stdout.split('\n').map((l) => l.trim()).filter((n) => /_bk_/.test(n));
  assert.deepEqual(snaps, [m.volumes[0]!.snapshot.name], "the killed run's snapshot was removed");
  await ok('backup', 'verify', '--full');
  await ok('backup', 'restore', '--progress', 'none', m.id.slice(0, 8), 'out.img');
  assert.ok(readFileSync(join(dir, 'out.img')).equals(data));
});

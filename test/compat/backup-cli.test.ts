// `ulvm backup` end to end on sparse image files, with the daemon of a temp run directory keeping
// the LVs active (data written and read over its NBD socket, so no root is needed): init, a full
// and an incremental backup of a thin LV, the catalogue, restores to an image file and to a new
// LV, verify (quick and full, and a tampered pack caught), a wrong passphrase, prune with gc, and
// JSON-lines progress when stderr is not a terminal. Messages are lvm2-style, never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { sparseFile } from '../helpers/files.ts';
import { NbdClient } from '../../src/nbd/client.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const MiB = 1024 * 1024;

interface Result {
  rc: number;
  stdout: string;
  stderr: string;
}

test('ulvm backup: init, full and incremental backups, list, restore, verify, prune', { skip: !existsSync(new URL('../../dist/ulvm.cjs', import.meta.url)) && 'dist/ not built (npm run build)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-backup-cli-'));
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_BACKUP_PASSPHRASE: 'lab task 7', ULVM_BACKUP_REPO: join(dir, 'repo') };
  const ulvm = async (...args: string[]): Promise<Result> => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], { env, timeout: 120_000, cwd: dir, maxBuffer: 64 * MiB });
      return { rc: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { rc: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await ulvm(...args);
    assert.equal(r.rc, 0, `ulvm ${args.join(' ')}\n${r.stdout}${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Internal error|    at /);
    return r;
  };
  t.after(async () => {
    await ulvm('daemon', 'stop', '--force');
    rmSync(dir, { recursive: true, force: true });
  });
  const disk = sparseFile(join(dir, 'disk.img'), 200 * MiB);
  await ok('pvcreate', disk);
  await ok('vgcreate', 'vg', disk);
  await ok('lvcreate', '--type', 'thin-pool', '-L', '80m', '-n', 'pool', 'vg');
  await ok('lvcreate', '-V', '24m', '--thinpool', 'vg/pool', '-n', 'db');
  const sock = join(dir, 'run', 'nbd.sock');
  const data = randomBytes(24 * MiB);
  data.fill(0, 8 * MiB, 12 * MiB);
  const put = async (off: number, b: Uint8Array) => {
    const c = await NbdClient.connect(sock, 'vg/db');
    await c.write(off, b);
    await c.flush();
    await c.close();
  };
  const get = async (name: string) => {
    const c = await NbdClient.connect(sock, name);
    const out = Buffer.alloc(c.size);
    for (let at = 0; at < c.size; at += 4 * MiB) Buffer.from(await c.read(at, Math.min(4 * MiB, c.size - at))).copy(out, at);
    await c.close();
    return out;
  };
  for (let at = 0; at < data.length; at += 4 * MiB) await put(at, data.subarray(at, at + 4 * MiB));

  const init = await ok('backup', 'init', '--cheap-kdf');
  assert.match(init.stdout, /^ {2}Repository .*\/repo created \(chunk size 4\.00 MiB, encrypted, id [0-9a-f]{8}\)\.\n$/);
  const again = await ulvm('backup', 'init', '--cheap-kdf');
  assert.equal(again.rc, 5, 'a second init over a repository is refused');

  const b1 = await ok('backup', 'create', 'vg/db');
  const id1 = /Backup ([0-9a-f]{8}) of vg\/db created/.exec(b1.stdout)?.[1];
  assert.ok(id1, b1.stdout);
  assert.match(b1.stdout, /vg\/db: 24\.00 MiB, full .*read 24\.00 MiB/);
  // Progress as JSON lines (stderr is a pipe here).
  const lines = b1.stderr.split('\n').filter((l) => l.startsWith('{'));
  assert.ok(lines.length >= 1, b1.stderr);
  assert.equal(JSON.parse(lines.at(-1)!).bytes_done, 24 * MiB);

  await put(16 * MiB + 4096, randomBytes(8192));
  const now = await get('vg/db');
  const dry = await ok('backup', 'create', '--dry-run', 'vg/db');
  assert.match(dry.stdout, /vg\/db: thin-delta, would read 4\.00 MiB of 24\.00 MiB\./);
  const b2 = await ok('backup', 'create', 'vg/db');
  const id2 = /Backup ([0-9a-f]{8}) of vg\/db created/.exec(b2.stdout)?.[1]!;
  assert.match(b2.stdout, /vg\/db: 24\.00 MiB, thin-delta, read 4\.00 MiB, audit 5 unchanged chunks re-read, 0 differed\./);

  const list = await ok('backup', 'list');
  const rows = list.stdout.trimEnd().split('\n');
  assert.match(rows[0]!, /^ {2}Backup +Time +VG +LVs +Consistency +Tracker +Size +Read +New +Stored +Hold +Pin$/);
  assert.equal(rows.length, 3);
  assert.match(rows[1]!, new RegExp(`^  ${id1} .* vg +db +\\S+ +full +24\\.00m`));
  assert.match(rows[2]!, new RegExp(`^  ${id2} .* thin-delta +24\\.00m +24\\.00m +4\\.00m`));
  const json = JSON.parse((await ok('backup', 'list', '--reportformat', 'json')).stdout);
  assert.equal(json.report[0].backup.length, 2);

  await ok('backup', 'restore', `${id1}/db`, 'one.img');
  assert.ok(readFileSync(join(dir, 'one.img')).equals(data), 'backup 1 restores the data of its instant');
  const r2 = await ok('backup', 'restore', id2, 'vg/copy');
  assert.match(r2.stdout, /Logical volume "copy" created\./);
  assert.ok((await get('vg/copy')).equals(now), 'backup 2 restores into a new LV');
  const diff = await ok('backup', 'restore', '--differential', id1, 'vg/copy');
  assert.match(diff.stdout, /\(1 chunks differed, 5 were the same\)/);
  assert.ok((await get('vg/copy')).equals(data));

  await ok('backup', 'verify');
  const full = await ok('backup', 'verify', '--full');
  assert.match(full.stdout, /Full verify of .*no problems\./);

  const wrong = await ulvm('backup', 'list');
  assert.equal(wrong.rc, 0);
  const bad = await exec(process.execPath, [BIN, 'backup', 'list'], { env: { ...env, ULVM_BACKUP_PASSPHRASE: 'wrong' }, cwd: dir }).then(
    () => ({ rc: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => ({ rc: e.code, stderr: e.stderr }),
  );
  assert.equal(bad.rc, 5);
  assert.match(bad.stderr, /Wrong passphrase or key file/);
  assert.doesNotMatch(bad.stderr, /Internal error|    at /);

  const pruned = await ok('backup', 'prune', '--keep-last', '1');
  assert.match(pruned.stdout, new RegExp(`Removed backup ${id1}\\.`));
  assert.equal((await ok('backup', 'list')).stdout.trimEnd().split('\n').length, 2);
  await ok('backup', 'verify', '--full');

  // One byte of one pack changed: the full verify names the damage and fails.
  const packs: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else packs.push(p);
    }
  };
  walk(join(dir, 'repo', 'data'));
  const victim = packs.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const bytes = readFileSync(victim);
  bytes[100] ^= 0xff;
  writeFileSync(victim, bytes);
  const broken = await ulvm('backup', 'verify', '--full');
  assert.equal(broken.rc, 5, broken.stdout + broken.stderr);
  assert.match(broken.stderr + broken.stdout, /problem/);
});

// Errors a user can provoke end in lvm2's messages and exit codes, never in "Internal error" or a
// stack trace: a directory named as a device, devices and image files this user may not open or
// write, an unreadable or broken lvm.conf, read-only or unwritable backup and archive directories.
// Real lvm2 runs alongside wherever it can (as root, or as nobody for the permission cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labSkipReason, ok, unexpectedStderr, type Result } from '../helpers/lab.ts';
import { sparseFile } from '../helpers/files.ts';

const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

function noTrace(r: Result, what: string): void {
  assert.doesNotMatch(r.stderr + r.stdout, /Internal error|\n\s+at /, `${what} printed a stack trace:\n${r.stderr}`);
}

function nobodySkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (needed to run commands as nobody)';
  if (spawnSync('setpriv', ['--version']).error) return 'setpriv (util-linux) is not installed';
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return 'dist/ulvm.cjs not built (npm run build)';
  return undefined;
}

/** Runs a command as nobody; `cmd` is 'ulvm' (the built CLI) or 'lvm'. */
function asNobody(cmd: 'ulvm' | 'lvm', args: string[], env: NodeJS.ProcessEnv): Result {
  const argv = cmd === 'ulvm' ? [process.execPath, BIN, ...args] : ['lvm', ...args];
  const r = spawnSync('setpriv', [...NOBODY, ...argv], { encoding: 'utf8', env: { PATH: process.env.PATH, TZ: 'UTC', LANG: 'C', LC_ALL: 'C', ...env }, timeout: 60_000 });
  if (r.error) throw r.error;
  return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** lvm2 run as non-root warns so once; ulvm supports users on purpose and does not. */
const dropNonRootWarning = (s: string) => unexpectedStderr(s.split('\n').filter((l) => !l.includes('Running as a non-root user')).join('\n'));

test('a directory is no device: "No device found", rc 5, as lvm2 says', async (t) => {
  const withLvm2 = labSkipReason() === undefined;
  // lvm2 needs a device its filter accepts to have a valid lvm.conf at all.
  const lab = Lab.create(t, withLvm2 ? 1 : 0, 16);
  for (const args of [['pvcreate', '/etc'], ['vgcreate', 'vgq', '/etc'], ['pvremove', '/etc'], ['vgcreate', 'vgq', lab.dir]]) {
    const got = await lab.ulvm(args[0]!, args.slice(1), '', undefined, [args[args.length - 1]!]);
    noTrace(got, args.join(' '));
    assert.equal(got.stderr, `  No device found for ${args[args.length - 1]}.\n`, args.join(' '));
    assert.equal(got.rc, 5);
    if (withLvm2) {
      const want = lab.lvm(args[0]!, args.slice(1));
      assert.equal(unexpectedStderr(got.stderr), unexpectedStderr(want.stderr), `lvm2: ${want.stderr}`);
      assert.equal(got.rc, want.rc);
    }
  }
});

test('lvm.conf that is a directory, or that cannot be parsed: lvm2 refuses to start, rc 4', async (t) => {
  const lab = Lab.create(t, 0, 0);
  const conf = join(lab.dir, 'ulvm-sys', 'lvm.conf');
  mkdirSync(conf);
  const got = await lab.ulvm('pvs', []);
  noTrace(got, 'pvs with lvm.conf a directory');
  assert.equal(got.stderr, `  ${conf} is not a regular file\n  Failed to load config file ${conf}\n`);
  assert.equal(got.rc, 4);
  if (labSkipReason() === undefined) {
    rmSync(join(lab.dir, 'etc-lvm', 'lvm.conf'));
    mkdirSync(join(lab.dir, 'etc-lvm', 'lvm.conf'));
    const want = lab.lvm('pvs', []);
    assert.equal(want.rc, 4);
    assert.equal(want.stderr.split(join(lab.dir, 'etc-lvm')).join(join(lab.dir, 'ulvm-sys')), got.stderr);
  }
  rmSync(conf, { recursive: true });
  writeFileSync(conf, 'devices {\n  filter = [ "a|.*|" \n}\n');
  const bad = await lab.ulvm('pvs', []);
  noTrace(bad, 'pvs with a broken lvm.conf');
  assert.match(bad.stderr, new RegExp(`^Parse error at byte \\d+ \\(line \\d+\\): .*\\n  Failed to load config file ${conf}\\n$`));
  assert.equal(bad.rc, 4);
  // lvm.conf is read first: with it broken, a bad --config is not even looked at.
  assert.equal((await lab.ulvm('pvs', ['--config', 'bogus (('])).stderr, bad.stderr);
  rmSync(conf);
  const badOverride2 = await lab.ulvm('pvs', ['--config', 'bogus ((']);
  noTrace(badOverride2, 'pvs --config bogus');
  assert.match(badOverride2.stderr, /^ {2}Parse error at byte \d+ \(line 1\): .*\n {2}Failed to set overridden configuration entries\.\n {2}Run `pvs --help' for more information\.\n$/);
  assert.equal(badOverride2.rc, 3);
});

test('as nobody: root-owned images, devices and lvm.conf get lvm2 messages, no stack traces', { skip: nobodySkipReason() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-nobody-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  const sys = join(dir, 'sys');
  const runDir = join(dir, 'run');
  mkdirSync(sys, { mode: 0o777 });
  mkdirSync(runDir, { mode: 0o777 });
  chmodSync(sys, 0o777);
  chmodSync(runDir, 0o777);
  const env = { ULVM_SYSTEM_DIR: sys, ULVM_RUN_DIR: runDir };
  const readable = sparseFile(join(dir, 'readable.img'), 64 << 20);
  chmodSync(readable, 0o644);
  const secret = sparseFile(join(dir, 'secret.img'), 64 << 20);
  chmodSync(secret, 0o600);
  const pv = sparseFile(join(dir, 'pv.img'), 64 << 20);
  // The VG is root's; nobody can read its PV but not write it.
  const rootEnv = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'rootsys'), ULVM_RUN_DIR: join(dir, 'rootrun') };
  const mk = spawnSync(process.execPath, [BIN, 'vgcreate', 'vgr', pv, '--devices', pv], { encoding: 'utf8', env: rootEnv });
  assert.equal(mk.status, 0, mk.stderr);
  chmodSync(pv, 0o644);

  const expect = (args: string[], stderr: string | RegExp, rc = 5) => {
    const r = asNobody('ulvm', args, env);
    noTrace(r, args.join(' '));
    if (typeof stderr === 'string') assert.equal(r.stderr, stderr, args.join(' '));
    else assert.match(r.stderr, stderr, args.join(' '));
    assert.equal(r.rc, rc, `${args.join(' ')}: rc ${r.rc}\n${r.stderr}`);
  };
  expect(['pvcreate', readable], `  Cannot use ${readable}: device not found\n`);
  expect(['pvcreate', secret], `  Cannot use ${secret}: device not found\n`);
  expect(['vgcreate', 'vgn', secret], `  Cannot use ${secret}: device not found\n  Command requires all devices to be found.\n`);
  expect(['vgcreate', 'vgn', readable], `  Cannot use ${readable}: device not found\n`);
  expect(['pvremove', secret], `  Cannot use ${secret}: device not found\n`);
  expect(['pvremove', '-ff', '-y', pv], `  WARNING: PV ${pv} is used by VG vgr.\n  WARNING: Wiping physical volume label from ${pv} of volume group "vgr".\n  Cannot use ${pv}: device not found\n`);
  const writeFailed = new RegExp(`^ {2}Error opening device ${pv} for writing at \\d+ length \\d+\\.\\n {2}Failed to write metadata to ${pv}\\.\\n {2}Failed to write VG vgr\\.\\n$`);
  expect(['lvcreate', '--driverloaded', 'n', '-an', '-Zn', '-L4m', '-n', 'l1', 'vgr', '--devices', pv], new RegExp(`WARNING: Activation disabled[^\\n]*\\n${writeFailed.source.slice(1)}`));
  expect(['vgchange', '--addtag', 'x', 'vgr', '--devices', pv], writeFailed);

  // lvm.conf that nobody may read: lvm2 names the errno.
  const conf = join(sys, 'lvm.conf');
  writeFileSync(conf, 'devices {\n}\n');
  chmodSync(conf, 0o000);
  expect(['pvs'], `  Failed to open device path ${conf} (13).\n  Failed to load config file ${conf}\n`, 4);
  const lvmSys = join(dir, 'lvmsys');
  mkdirSync(lvmSys, { mode: 0o755 });
  writeFileSync(join(lvmSys, 'lvm.conf'), 'devices {\n}\n');
  chmodSync(join(lvmSys, 'lvm.conf'), 0o000);
  if (!spawnSync('lvm', ['version']).error) {
    const want = asNobody('lvm', ['pvs'], { LVM_SYSTEM_DIR: lvmSys, LVM_SUPPRESS_FD_WARNINGS: '1' });
    assert.equal(want.stderr.split(lvmSys).join(sys), `  Failed to open device path ${conf} (13).\n  Failed to load config file ${conf}\n`);
    assert.equal(want.rc, 4);
  }
});

test('as nobody on a root-only block device: the same lines as real lvm2', { skip: nobodySkipReason() ?? labSkipReason() }, async (t) => {
  const lab = Lab.create(t, 1, 16);
  const dev = lab.loops[0]!;
  chmodSync(lab.dir, 0o755);
  chmodSync(join(lab.dir, 'etc-lvm'), 0o755);
  const lock = join(lab.dir, 'lock');
  mkdirSync(lock, { mode: 0o777 });
  chmodSync(lock, 0o777);
  const sys = join(lab.dir, 'nobody-sys');
  mkdirSync(sys, { mode: 0o777 });
  chmodSync(sys, 0o777);
  const lvmEnv = { LVM_SYSTEM_DIR: join(lab.dir, 'etc-lvm'), LVM_SUPPRESS_FD_WARNINGS: '1' };
  const ulvmEnv = { ULVM_SYSTEM_DIR: sys, ULVM_RUN_DIR: sys };
  for (const args of [['pvcreate', dev], ['pvremove', dev], ['vgcreate', 'vgq', dev]]) {
    const want = asNobody('lvm', [...args, '--config', `global/locking_dir="${lock}"`], lvmEnv);
    const got = asNobody('ulvm', args, ulvmEnv);
    noTrace(got, args.join(' '));
    assert.equal(dropNonRootWarning(got.stderr), dropNonRootWarning(want.stderr), args.join(' '));
    assert.equal(got.rc, want.rc, args.join(' '));
  }
});

test('read-only or unwritable backup and archive directories: lvm2 warns or stops exactly as lvm2 2.03.16', { skip: labSkipReason() }, async (t) => {
  // Outside the lab's dir, which the lab removes: an immutable or mounted dir must be undone first.
  const top = mkdtempSync(join(tmpdir(), 'ulvm-robackup-'));
  const ro = join(top, 'ro');
  const rw = join(top, 'rw');
  const imm = join(top, 'imm');
  t.after(() => {
    spawnSync('umount', [ro]);
    spawnSync('chattr', ['-i', join(imm, 'a'), join(imm, 'b')]);
    rmSync(top, { recursive: true, force: true });
  });
  mkdirSync(ro);
  mkdirSync(rw);
  mkdirSync(join(imm, 'b'), { recursive: true });
  mkdirSync(join(imm, 'a'));
  const lab = Lab.create(t, 2, 32);
  const [lvmDev, ulvmDev] = lab.loops as [string, string];
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`cannot mount a read-only tmpfs: ${m.stderr}`);
  const immutable = spawnSync('chattr', ['+i', join(imm, 'a'), join(imm, 'b')]).status === 0;
  ok(lab.lvm('vgcreate', ['--driverloaded', 'n', '--devices', lvmDev, 'vgb', lvmDev]), 'lvm2 vgcreate');
  ok(await lab.ulvm('vgcreate', ['--driverloaded', 'n', 'vgb', ulvmDev], '', undefined, [ulvmDev]), 'ulvm vgcreate');
  const dirs: [string, string][] = [
    [ro, rw],
    [rw, ro],
    [join(ro, 'sub'), join(ro, 'sub2')],
    ...(immutable
      ? ([
          [join(imm, 'b'), rw],
          [rw, join(imm, 'a')],
          [join(imm, 'b', 'x'), rw],
        ] as [string, string][])
      : []),
  ];
  const diffs: string[] = [];
  let n = 0;
  for (const [backup, archive] of dirs) {
    const cfg = `backup/backup_dir="${backup}" backup/archive_dir="${archive}"`;
    for (const args of [['lvcreate', '-an', '-Zn', '-L4m', '-n', `l${n++}`, 'vgb'], ['vgcfgbackup', 'vgb'], ['vgchange', '--addtag', `t${n++}`, 'vgb']]) {
      const full = ['--driverloaded', 'n', '--config', cfg, ...args.slice(1)];
      const want = lab.lvm(args[0]!, [...full, '--devices', lvmDev]);
      const got = await lab.ulvm(args[0]!, full, '', undefined, [ulvmDev]);
      noTrace(got, `${args.join(' ')} (${cfg})`);
      if (want.rc !== got.rc || want.stdout !== got.stdout || unexpectedStderr(want.stderr) !== unexpectedStderr(got.stderr))
        diffs.push(`${args.join(' ')} with ${cfg}\n--- lvm2 rc ${want.rc}\n${want.stdout}${want.stderr}--- ulvm rc ${got.rc}\n${got.stdout}${got.stderr}`);
    }
  }
  assert.deepEqual(diffs, [], diffs.join('\n'));
  // -An skips both, with lvm2's one warning.
  const want = lab.lvm('lvcreate', ['--driverloaded', 'n', '-An', '-an', '-Zn', '-L4m', '-n', 'lan', 'vgb', '--devices', lvmDev]);
  const got = await lab.ulvm('lvcreate', ['--driverloaded', 'n', '-An', '-an', '-Zn', '-L4m', '-n', 'lan', 'vgb'], '', undefined, [ulvmDev]);
  assert.equal(unexpectedStderr(got.stderr), unexpectedStderr(want.stderr));
  assert.equal(got.rc, want.rc);
});

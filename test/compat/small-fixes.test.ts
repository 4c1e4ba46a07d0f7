// Small things a new user runs into: zero sizes refused as lvm2 refuses them (compared with real
// lvm2 on the same loop devices), pvs naming a device that is not in the devices file, and
// ulvm's own commands, help and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';
import { ULVM_VERSION } from '../../src/cli/ulvm-commands.ts';

const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;

function fmt(r: Result): string {
  return `--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`;
}

test('zero sizes: lvcreate/lvextend/lvreduce/lvresize -L 0 and -l 0 print what lvm2 prints, change nothing', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 1, 16);
  const dev = lab.loops[0]!;
  ok(lab.lvm('pvcreate', [dev]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vz', dev]), 'vgcreate');
  ok(lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L', '4m', '-n', 'x', 'vz']), 'lvcreate');
  const cases: [string, string[]][] = [
    ['lvcreate', ['-L', '0', '-n', 'y', 'vz']],
    ['lvcreate', ['-l', '0', '-n', 'y', 'vz']],
    ['lvcreate', ['-l', '0%FREE', '-n', 'y', 'vz']],
    ['lvextend', ['-L', '0', 'vz/x']],
    ['lvextend', ['-L', '+0', 'vz/x']],
    ['lvextend', ['-l', '0', 'vz/x']],
    ['lvreduce', ['-l', '0', 'vz/x']],
    ['lvreduce', ['-L', '-0', 'vz/x']],
    ['lvresize', ['-L', '0', 'vz/x']],
  ];
  for (const [cmd, args] of cases) {
    const full = ['--driverloaded', 'n', ...args];
    const l = lab.lvm(cmd, full);
    const u = await lab.ulvm(cmd, full);
    assert.equal(fmt(u), fmt(l), `${cmd} ${args.join(' ')}`);
    assert.equal(u.rc, 3);
  }
  // Nothing changed: the LV is still 1 extent in both tools' eyes.
  assert.match((await lab.ulvm('lvs', ['--noheadings', '-o', 'lv_name,seg_size_pe', 'vz'])).stdout, /^ {2}x +1\n$/);
});

test('pvs naming a device: not in the devices file, not a PV, missing — lvm2\'s words', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 16);
  const [pv, other] = lab.loops as [string, string];
  // lvm2 with a devices file that lists only `pv`: `other` exists but is not in the file.
  const df = `ulvm-test-${process.pid}.devices`;
  t.after(() => rmSync(`/etc/lvm/devices/${df}`, { force: true }));
  ok(lab.lvm('pvcreate', ['--devicesfile', df, pv]), 'pvcreate');
  const l = lab.lvm('pvs', ['-a', '--devicesfile', df, other]);
  // (The lab's lvm.conf filter makes lvm2 add a note about it; that line is the lab's, not pvs's.)
  assert.equal(l.stderr.replace(/^.*global_filter.*\n/m, ''), `  Cannot use ${other}: device is not in devices file\n`);
  // ulvm with its own devices file listing only `pv`.
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-pvs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') };
  const img = join(dir, 'a.img');
  const plain = join(dir, 'b.img');
  for (const f of [img, plain]) {
    writeFileSync(f, '');
    truncateSync(f, 16 << 20);
  }
  const u = (...a: string[]) => spawnSync(BIN, a, { env, encoding: 'utf8', cwd: dir });
  assert.equal(u('pvcreate', img).status, 0);
  for (const args of [['pvs', '-a', 'b.img'], ['pvs', 'b.img']]) {
    const r = u(...args);
    assert.equal(r.stderr, `  Cannot use ${plain}: device is not in devices file\n`, args.join(' '));
    assert.equal(r.status, l.rc);
  }
  // Looked at (named with --devices) but not a PV: lvm2's "Failed to find physical volume".
  const lp = lab.lvm('pvs', ['--devices', other, other]);
  assert.equal(lp.stderr, `  Failed to find physical volume "${other}".\n`);
  const up = u('pvs', '--devices', plain, plain);
  assert.equal(up.stderr, `  Failed to find physical volume "${plain}".\n`);
  assert.equal(up.status, lp.rc);
  // And with -a it is listed, as lvm2 lists it.
  assert.match(u('pvs', '-a', '--devices', plain, plain).stdout, new RegExp(`^  ${plain} +--- +0 +0 $`, 'm'));
  assert.match(u('pvs', join(dir, 'missing.img')).stderr, /^ {2}Cannot use .*missing\.img: device not found\n$/);
});

test("ulvm's own commands: --help, help list, version", () => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-own-'));
  try {
    const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') };
    const u = (...a: string[]) => spawnSync(BIN, a, { env, encoding: 'utf8', cwd: dir });
    for (const c of ['demo', 'daemon', 'dmsetup']) {
      for (const h of ['--help', '-h']) {
        const r = u(c, h);
        assert.equal(r.status, 0, `${c} ${h}`);
        assert.match(r.stdout, new RegExp(`^  ${c} - .*\\n\\n  ulvm ${c} `), `${c} ${h}`);
      }
    }
    // `demo --help` must not have made a demo folder named --help.
    assert.equal(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.includes('--help'), false);
    const help = u('help');
    assert.equal(help.status, 0);
    for (const c of ['demo', 'daemon', 'dmsetup', 'pvcreate', 'lvs']) assert.match(help.stderr, new RegExp(`^  ${c} +\\S`, 'm'));
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(ULVM_VERSION, pkg.version, 'src/cli/ulvm-commands.ts keeps package.json\'s version');
    for (const args of [['--version'], ['version'], ['pvs', '--version']]) {
      const r = u(...args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, new RegExp(`^  ulvm version: {4}${pkg.version.replace(/\./g, '\\.')}\\n  LVM version: {5}2\\.03\\.16`), args.join(' '));
    }
    assert.match(u('help', 'demo').stdout, /^ {2}demo - /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

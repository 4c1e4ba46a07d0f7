// Failures a user can provoke on purpose: a metadata area too small for the VG, a VG without the
// free space asked for, a VG with a PV gone, names lvm2 refuses, a VG locked by another command,
// a device that vanished between two commands. ulvm ends each with real lvm2 2.03.16's stderr and
// exit code (paths normalised), never with "Internal error" or a stack trace, and the VG reads
// back afterwards exactly as before the failed command.
import { test, type TestContext } from 'node:test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';

const NOACT = ['--driverloaded', 'n', '-an', '-Zn'];

/** lvm2 must not consult its hint cache (it lives outside the lab) and sees only `visible`. */
function lvmConf(lab: Lab, visible: string[], extra = ''): void {
  const accept = visible.map((l) => `"a|^${l}$|"`).join(', ');
  writeFileSync(join(lab.dir, 'etc-lvm', 'lvm.conf'), `devices {\n\tglobal_filter = [ ${accept}, "r|.*|" ]\n\thints = "none"\n\tuse_devicesfile = 0\n}\n${extra}`);
}

function fmt(r: Result): string {
  return `--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`;
}

function noTrace(r: Result, what: string): void {
  assert.doesNotMatch(r.stderr + r.stdout, /Internal error|\n\s+at /, `${what} printed a stack trace:\n${r.stderr}`);
}

/**
 * Runs ulvm in-process with its devices file naming `devices` (no --devices option), so that the
 * command line it records in the metadata, and so the metadata's size, is lvm2's.
 */
async function ulvmPlain(lab: Lab, cmd: string, args: string[], devices: string[] = lab.loops): Promise<Result> {
  const sys = join(lab.dir, 'ulvm-sys');
  mkdirSync(join(sys, 'devices'), { recursive: true });
  writeFileSync(join(sys, 'devices', 'system.devices'), `VERSION=1.1.1\n${devices.map((d) => `IDTYPE=devname IDNAME=${d} DEVNAME=${d} PVID=.\n`).join('')}`);
  const io = new BufferIo('');
  const rc = await runCommand(cmd, args, {
    io,
    env: { ULVM_SYSTEM_DIR: sys, ULVM_RUN_DIR: join(lab.dir, 'ulvm-run'), TZ: 'UTC' },
    uid: 0,
    cwd: lab.dir,
    opener: fileOpener,
    now: () => Math.floor(Date.now() / 1000),
  });
  return { rc, stdout: io.stdout, stderr: io.stderr };
}

/** What lvm2 reads back of a VG: everything a failed command must have left as it was. */
function readBack(lab: Lab, vg: string): string {
  const vgs = ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_name,vg_seqno,lv_count,pv_count,vg_free,vg_tags', vg]), 'vgs').stdout;
  const lvs = lab.lvm('lvs', ['--noheadings', '-o', 'lv_name,lv_size,lv_tags,seg_pe_ranges', vg]).stdout;
  return vgs + lvs;
}

/** ulvm's and lvm2's outputs for the same command on the same devices, compared after `norm`. */
async function same(lab: Lab, cmd: string, args: string[], opts: { devices?: string[]; plain?: boolean; norm?: (s: string) => string } = {}): Promise<Result> {
  const norm = opts.norm ?? ((s: string) => s);
  const want = lab.lvm(cmd, args);
  const got = opts.plain ? await ulvmPlain(lab, cmd, args, opts.devices) : await lab.ulvm(cmd, args, '', undefined, opts.devices);
  noTrace(got, `${cmd} ${args.join(' ')}`);
  assert.equal(norm(fmt(got)), norm(fmt(want)), `${cmd} ${args.join(' ')}`);
  return got;
}

/**
 * For a command that changes the VG: ulvm runs first, the devices are put back as they were, then
 * lvm2 runs; outputs and the VG each leaves behind must agree.
 */
async function sameChange(lab: Lab, cmd: string, args: string[], vg: string, devices: string[]): Promise<Result> {
  const saved = lab.loops.map((l) => readFileSync(l));
  const got = await lab.ulvm(cmd, args, '', undefined, devices);
  noTrace(got, `${cmd} ${args.join(' ')}`);
  const gotVg = readBack(lab, vg);
  saved.forEach((data, i) => lab.writeDevice(i, 0, data));
  const want = lab.lvm(cmd, args);
  assert.equal(fmt(got), fmt(want), `${cmd} ${args.join(' ')}`);
  assert.equal(gotVg, readBack(lab, vg), `the VG after ${cmd} ${args.join(' ')}`);
  return got;
}

test('metadata area full: lvm2 lines, METADATA_AREA_FULL, nothing lost', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  lvmConf(lab, [a, b]);
  // The smallest metadata area lvm2 makes (1020 KiB; 521472 bytes for one copy of the text).
  ok(lab.lvm('pvcreate', ['--metadatasize', '1k', a, b]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['-s', '64k', 'vgfull', a, b]), 'vgcreate');
  // Tags fill most of it quickly: batches of 100 tags of 125 characters until one does not fit.
  const batch = (j: number) => Array.from({ length: 100 }, (_, i) => ['--addtag', `b${j}_${i}${'t'.repeat(120)}`]).flat();
  let j = 0;
  while (lab.lvm('vgchange', [...batch(j), 'vgfull']).rc === 0) j++;
  assert.ok(j > 10, `only ${j} batches fitted`);
  const before = readBack(lab, 'vgfull');
  // vgchange goes on past an area it cannot write (lvm2's handles_missing_pvs): one warning each.
  const tags = await same(lab, 'vgchange', [...batch(j), 'vgfull'], { plain: true });
  assert.equal(tags.rc, 5);
  assert.match(tags.stderr, /^ {2}VG vgfull \d+ metadata on \S+ \(\d+ bytes\) exceeds maximum metadata size \(521472 bytes\)\n {2}WARNING: Failed to write an MDA of VG vgfull\.\n/);
  assert.equal(readBack(lab, 'vgfull'), before, 'the VG reads back as before');
  // Then LVs until the next one does not fit: lvcreate stops at the first area.
  let n = 0;
  let last: Result;
  for (;;) {
    last = await ulvmPlain(lab, 'lvcreate', [...NOACT, '-l', '1', '-n', `lv${n}`, 'vgfull']);
    noTrace(last, `lvcreate lv${n}`);
    if (last.rc !== 0) break;
    n++;
    assert.ok(n < 200, 'the metadata area never filled up');
  }
  const full = readBack(lab, 'vgfull');
  const args = [...NOACT, '-l', '1', '-n', `lv${n}`, 'vgfull'];
  const want = lab.lvm('lvcreate', args);
  assert.equal(fmt(last), fmt(want), `lvcreate lv${n} when the area is full`);
  assert.match(last.stderr, new RegExp(`\n {2}VG vgfull \\d+ metadata on ${a} \\(\\d+ bytes\\) exceeds maximum metadata size \\(521472 bytes\\)\n {2}Failed to write VG vgfull\\.\n$`));
  assert.equal(readBack(lab, 'vgfull'), full, 'the VG reads back as before');
  assert.equal(lab.lvm('vgck', ['vgfull']).stderr, '', 'lvm2 finds the VG consistent');
});

test('a full VG: lvcreate and lvextend beyond the free extents', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  lvmConf(lab, [a, b]);
  ok(lab.lvm('vgcreate', ['vgp', a, b]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-L', '20m', '-n', 'l1', 'vgp']), 'lvcreate');
  const before = readBack(lab, 'vgp');
  for (const args of [
    [...NOACT, '-L', '100m', '-n', 'big', 'vgp'],
    [...NOACT, '-l', '10', '-n', 'big', 'vgp'],
    [...NOACT, '-l', '5', '-n', 'big', 'vgp', a],
  ])
    assert.equal((await same(lab, 'lvcreate', args)).rc, 5);
  for (const args of [
    ['-L', '200m', 'vgp/l1'],
    ['-l', '+10', 'vgp/l1'],
    ['-L', '+40m', 'vgp/l1', b],
  ])
    assert.equal((await same(lab, 'lvextend', ['--driverloaded', 'n', ...args])).rc, 5);
  assert.equal(readBack(lab, 'vgp'), before, 'the VG reads back as before');
  // Every extent taken: the next LV has none.
  ok(await lab.ulvm('lvcreate', [...NOACT, '-l', '100%FREE', '-n', 'rest', 'vgp']), 'lvcreate 100%FREE');
  const full = readBack(lab, 'vgp');
  assert.equal((await same(lab, 'lvcreate', [...NOACT, '-l', '1', '-n', 'more', 'vgp'])).rc, 5);
  assert.equal((await same(lab, 'lvextend', ['--driverloaded', 'n', '-l', '+1', 'vgp/l1'])).rc, 5);
  assert.equal(readBack(lab, 'vgp'), full, 'the VG reads back as before');
});

test('names lvm2 refuses: vgcreate, lvcreate and lvrename', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  lvmConf(lab, [a, b]);
  ok(lab.lvm('pvcreate', [b]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgn', a]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '1', '-n', 'l1', 'vgn']), 'lvcreate');
  const before = readBack(lab, 'vgn');
  const long = 'a'.repeat(128);
  // Every refusal is checked before any is reported: one mismatch must not hide the others.
  const mismatches: string[] = [];
  const refused = async (cmd: string, args: string[], plain = false) => {
    try {
      assert.notEqual((await same(lab, cmd, args, { plain })).rc, 0, `${cmd} ${args.join(' ')} succeeded`);
    } catch (e) {
      mismatches.push((e as Error).message);
    }
  };
  // (`--` ends the options, so vgcreate runs without lab.ulvm's trailing --devices)
  for (const name of ['-x', 'a/b', '.', '..', 'a b', 'a$b', long, 'vgn', '-', 'a@b']) await refused('vgcreate', ['--', name, b], true);
  for (const name of ['-x', 'a/b', '.', '..', 'a b', long, 'snapshot', 'snapshot1', 'pvmove0', 'x_mlog', 'x_mimage_1', 'x_tdata', 'x_cdata', 'x_vorigin', 'x_rimage', 'l1'])
    await refused('lvcreate', [...NOACT, '-l', '1', '-n', name, 'vgn']);
  for (const name of ['a/b', '..', '.', 'a b', long, 'snapshot', 'pvmove1', 'x_mlog', 'x_rmeta_0', 'l1']) await refused('lvrename', ['vgn', 'l1', name]);
  assert.deepEqual(mismatches, []);
  assert.notEqual((await same(lab, 'lvrename', ['vgn', 'nosuch', 'l2'])).rc, 0, 'lvrename of a missing LV');
  assert.equal(readBack(lab, 'vgn'), before, 'the VG reads back as before');
  assert.match(lab.lvm('pvs', ['--noheadings', '-o', 'vg_name', b]).stdout, /^\s*$/, 'no VG was made');
});

test('a VG with a PV gone: reports warn, changes are refused', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 3, 32);
  const [a, b, c] = lab.loops as [string, string, string];
  lvmConf(lab, [a, b, c]);
  ok(lab.lvm('pvcreate', [c]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgm', a, b]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '1', '-n', 'small', 'vgm', a]), 'lvcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '10', '-n', 'span', 'vgm']), 'lvcreate');
  const before = readBack(lab, 'vgm');
  // b is gone for both tools: lvm2's filter no longer accepts it, ulvm is not given it.
  lvmConf(lab, [a, c]);
  const seen = [a, c];
  for (const [cmd, args] of [
    ['vgs', []],
    ['lvs', ['--driverloaded', 'n']],
    ['pvs', []],
    ['lvcreate', [...NOACT, '-l', '1', '-n', 'more', 'vgm']],
    ['lvextend', ['--driverloaded', 'n', '-l', '+1', 'vgm/small']],
    ['lvrename', ['vgm', 'small', 'tiny']],
  ] as [string, string[]][]) {
    const r = await same(lab, cmd, args, { devices: seen });
    if (!['vgs', 'lvs', 'pvs'].includes(cmd)) assert.equal(r.rc, 5, `${cmd} must be refused`);
  }
  lvmConf(lab, [a, b, c]);
  assert.equal(readBack(lab, 'vgm'), before, 'the VG reads back as before');
  // Some changes go on, flagging the missing PV: tags, and vgextend (how a missing PV gets replaced).
  lvmConf(lab, [a, c]);
  assert.equal((await sameChange(lab, 'vgchange', ['--addtag', 'partial', 'vgm'], 'vgm', seen)).rc, 0);
  // Not every change: lvm2 allows tags and profiles only.
  assert.equal((await same(lab, 'vgchange', ['-l', '100', 'vgm'], { devices: seen })).rc, 5);
  assert.equal((await sameChange(lab, 'vgextend', ['vgm', c], 'vgm', seen)).rc, 0);
  for (const cmd of ['vgs', 'pvs']) assert.equal((await same(lab, cmd, [], { devices: seen })).rc, 0);
});

/** A process holding `file` with flock(1), as another lvm2 command would; its group is ended by `t`. */
async function holdFlock(t: TestContext, file: string): Promise<() => void> {
  const holder = spawn('flock', [file, 'sleep', '300'], { detached: true, stdio: 'ignore' });
  const release = () => {
    try {
      process.kill(-holder.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  t.after(release);
  for (let i = 0; i < 500 && spawnSync('flock', ['-n', file, 'true']).status === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.notEqual(spawnSync('flock', ['-n', file, 'true']).status, 0, `${file} is not held`);
  return release;
}

/** ulvm's lock `name` held the way lock.ts holds it, by a live process (a sleep child). */
function holdUlvmLock(t: TestContext, lockDir: string, name: string): ChildProcess {
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => sleeper.kill());
  mkdirSync(lockDir, { recursive: true });
  writeFileSync(join(lockDir, `${name}.lock`), `${sleeper.pid}\n`);
  return sleeper;
}

test('a VG locked by another command: global/wait_for_locks = 0 fails at once, as lvm2', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  const lvmLock = join(lab.dir, 'lvm-lock');
  const ulvmLock = join(lab.dir, 'ulvm-run', 'lock');
  mkdirSync(lvmLock);
  lvmConf(lab, [a, b], `global {\n\tlocking_dir = "${lvmLock}"\n}\n`);
  ok(lab.lvm('pvcreate', [b]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgl', a]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '1', '-n', 'l1', 'vgl']), 'lvcreate');
  const before = readBack(lab, 'vgl');
  const norm = (s: string) => s.split(lvmLock).join('<lockdir>').split(ulvmLock).join('<lockdir>');
  const noWait = ['--config', 'global/wait_for_locks=0'];

  const releaseVg = await holdFlock(t, join(lvmLock, 'V_vgl'));
  const vgHolder = holdUlvmLock(t, ulvmLock, 'V_vgl');
  for (const [cmd, args] of [
    ['lvcreate', [...NOACT, '-l', '1', '-n', 'l2', 'vgl']],
    ['lvextend', ['--driverloaded', 'n', '-l', '+1', 'vgl/l1']],
    ['lvrename', ['vgl', 'l1', 'l9']],
    ['lvremove', ['--driverloaded', 'n', '-y', 'vgl/l1']],
    ['vgchange', ['--addtag', 'x', 'vgl']],
    ['vgremove', ['-y', 'vgl']],
    ['vgcreate', ['vgl', b]],
  ] as [string, string[]][]) {
    const started = Date.now();
    const r = await same(lab, cmd, [...args, ...noWait], { norm });
    assert.equal(r.rc, 5);
    assert.match(r.stderr, /flock failed: Resource temporarily unavailable/);
    assert.ok(Date.now() - started < 10_000, `${cmd} waited`);
  }
  const releaseGlobal = await holdFlock(t, join(lvmLock, 'P_global'));
  const globalHolder = holdUlvmLock(t, ulvmLock, 'P_global');
  for (const [cmd, args] of [
    ['vgcreate', ['vgq', b]],
    ['pvcreate', ['-y', b]],
  ] as [string, string[]][])
    assert.equal((await same(lab, cmd, [...args, ...noWait], { norm })).rc, 5);
  for (const release of [releaseVg, releaseGlobal, () => vgHolder.kill(), () => globalHolder.kill()]) release();
  assert.equal(readBack(lab, 'vgl'), before, 'the VG reads back as before');
});

test('a held ulvm lock is waited for without blocking the event loop', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 1, 32);
  const [a] = lab.loops as [string];
  lvmConf(lab, [a]);
  ok(lab.lvm('vgcreate', ['vgw', a]), 'vgcreate');
  const sleeper = holdUlvmLock(t, join(lab.dir, 'ulvm-run', 'lock'), 'V_vgw');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  // The holder ends after a while: its lock is then stale, and the waiting lvcreate takes it.
  setTimeout(() => sleeper.kill(), 400);
  const r = await lab.ulvm('lvcreate', [...NOACT, '-l', '1', '-n', 'late', 'vgw']);
  clearInterval(timer);
  assert.equal(r.rc, 0, r.stderr);
  assert.ok(ticks >= 10, `the event loop ran only ${ticks} timers while the command waited`);
  assert.match(lab.lvm('lvs', ['--noheadings', '-o', 'lv_name', 'vgw']).stdout, /late/);
});

test('a device that vanished between two commands: an emptied loop device, a removed image file', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 2, 32);
  const [a, b] = lab.loops as [string, string];
  lvmConf(lab, [a, b]);
  ok(lab.lvm('vgcreate', ['vgv', a, b]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '1', '-n', 'keep', 'vgv', a]), 'lvcreate');
  ok(lab.lvm('lvcreate', [...NOACT, '-l', '9', '-n', 'span', 'vgv']), 'lvcreate');
  const before = readBack(lab, 'vgv');
  // The disk behind the loop device goes away under both tools: the device node stays, empty.
  // (The loop device is not detached: another test could be given its number meanwhile.)
  writeFileSync(lab.files[1]!, Buffer.alloc(0));
  const shrink = spawnSync('losetup', ['-c', b], { encoding: 'utf8' });
  assert.equal(shrink.status, 0, shrink.stderr);
  for (const [cmd, args] of [
    ['vgs', []],
    ['lvs', ['--driverloaded', 'n']],
    ['pvs', []],
    ['lvcreate', [...NOACT, '-l', '1', '-n', 'more', 'vgv']],
    ['lvextend', ['--driverloaded', 'n', '-l', '+1', 'vgv/keep']],
    ['vgchange', ['-an', '--driverloaded', 'n', 'vgv']],
  ] as [string, string[]][])
    await same(lab, cmd, args, { devices: [a, b] });
  // What lvm2 still reads of the VG is what it read before, less the PV that went away.
  const after = readBack(lab, 'vgv');
  assert.equal(after.split('\n').filter((l) => /keep/.test(l)).join('\n'), before.split('\n').filter((l) => /keep/.test(l)).join('\n'));

  // Image files (ulvm only: lvm2 needs block devices): the same, with the file gone.
  const imgs = [join(lab.dir, 'i1.img'), join(lab.dir, 'i2.img')];
  for (const f of imgs) writeFileSync(f, Buffer.alloc(0));
  for (const f of imgs) spawnSync('truncate', ['-s', '32M', f]);
  ok(await lab.ulvm('vgcreate', ['vgi', ...imgs], '', undefined, imgs), 'vgcreate on images');
  ok(await lab.ulvm('lvcreate', [...NOACT, '-l', '9', '-n', 'span', 'vgi'], '', undefined, imgs), 'lvcreate on images');
  rmSync(imgs[1]!);
  const vgs = await lab.ulvm('vgs', ['vgi'], '', undefined, imgs);
  noTrace(vgs, 'vgs with an image gone');
  assert.equal(vgs.rc, 0, vgs.stderr);
  assert.match(vgs.stderr, /^ {2}WARNING: Couldn't find device with uuid [\w-]{38}\.\n {2}WARNING: VG vgi is missing PV [\w-]{38} \(last written to [^)]+\)\.\n$/);
  const lvc = await lab.ulvm('lvcreate', [...NOACT, '-l', '1', '-n', 'more', 'vgi'], '', undefined, imgs);
  noTrace(lvc, 'lvcreate with an image gone');
  assert.equal(lvc.rc, 5);
  assert.match(lvc.stderr, /Cannot change VG vgi while PVs are missing\.\n {2}See vgreduce --removemissing and vgextend --restoremissing\.\n {2}Cannot process volume group vgi\n$/);
});

// Devices in use are refused, as lvm2 refuses them: pvcreate/pvremove/vgcreate/vgextend claim a
// device (open O_EXCL) before they initialise or wipe it, and a mounted filesystem, or a process
// holding the device exclusively, makes that fail. Real lvm2 and ulvm run side by side on the same
// loop devices; image files (which lvm2 cannot use) get lvm2's wording with the file's name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labSkipReason, ok, unexpectedStderr, type Result } from '../helpers/lab.ts';
import { sparseFile } from '../helpers/files.ts';
import { encodeMbr } from '../../src/formats/partitions.ts';

function skipReason(): string | undefined {
  const lab = labSkipReason();
  if (lab) return lab;
  if (spawnSync('mkfs.ext4', ['-V'], { encoding: 'utf8' }).error) return 'mkfs.ext4 (e2fsprogs) is not installed';
  if (spawnSync('mount', ['--version'], { encoding: 'utf8' }).error) return 'mount is not installed';
  return undefined;
}

const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });

/** lvm2's "Can't open exclusively" refusal, for a device (or image file) named `name`. */
function refusal(name: string): string {
  return [
    `Can't open ${name} exclusively.  Mounted filesystem?`,
    `Can't open ${name} exclusively.  Mounted filesystem?`,
    `Error opening device ${name} for reading at 0 length 4096.`,
    `Cannot use ${name}: device has a signature`,
  ]
    .map((l) => `  ${l}`)
    .join('\n');
}

function noTrace(r: Result, what: string): void {
  assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /, `${what} printed a stack trace:\n${r.stderr}`);
}

/** A child process holding `dev` with O_EXCL until it is killed (what a mount or a dm device does). */
async function holdExclusively(dev: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', `const fs=require('fs');fs.openSync(${JSON.stringify(dev)},fs.constants.O_RDONLY|fs.constants.O_EXCL);console.log('held');setInterval(()=>{},1000)`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder of ${dev} exited (${code})`)));
  });
  return child;
}

function release(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('devices in use: mounted and exclusively held block devices are refused exactly as lvm2 refuses them', { skip: skipReason() }, async (t) => {
  const lab = Lab.create(t, 3, 64);
  const [fsDev, orphan, vgPv] = lab.loops as [string, string, string];
  const mnt = mkdtempSync(join(tmpdir(), 'ulvm-inuse-mnt-'));
  const holders: ChildProcess[] = [];
  t.after(async () => {
    for (const h of holders) await release(h);
    run('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });
  assert.equal(run('mkfs.ext4', ['-q', fsDev]).status, 0, 'mkfs.ext4');
  const m = run('mount', [fsDev, mnt]);
  assert.equal(m.status, 0, `mount: ${m.stderr}`);
  ok(lab.lvm('pvcreate', [orphan, vgPv]), 'lvm2 pvcreate');
  ok(lab.lvm('vgcreate', ['--driverloaded', 'n', 'vgiu', vgPv]), 'lvm2 vgcreate');
  holders.push(await holdExclusively(orphan), await holdExclusively(vgPv));

  const cases: string[][] = [
    // the mounted ext4 filesystem
    ['pvcreate', '-y', fsDev],
    ['pvcreate', '-ff', '-y', fsDev],
    ['vgcreate', 'vgnew', fsDev],
    ['vgextend', 'vgiu', fsDev],
    ['pvremove', '-ff', '-y', fsDev],
    ['pvremove', '-f', fsDev],
    // an orphan PV held open exclusively
    ['pvcreate', orphan],
    ['pvremove', orphan],
    ['vgcreate', 'vgnew', orphan],
    ['vgextend', 'vgiu', orphan],
    // a PV of a VG, held: refused for re-initialising and wiping, "already in a VG" for vgextend
    ['pvcreate', '-ff', '-y', vgPv],
    ['pvremove', '-ff', '-y', vgPv],
    ['vgextend', 'vgiu', vgPv],
  ];
  const diffs: string[] = [];
  for (const c of cases) {
    const [cmd, ...args] = c as [string, ...string[]];
    const want = lab.lvm(cmd, ['--driverloaded', 'n', ...args]);
    const got = await lab.ulvm(cmd, ['--driverloaded', 'n', ...args]);
    noTrace(got, c.join(' '));
    if (want.rc !== got.rc || unexpectedStderr(want.stderr) !== unexpectedStderr(got.stderr) || want.stdout !== got.stdout)
      diffs.push(`${c.join(' ')}:\n--- lvm2 rc ${want.rc}\n${want.stdout}${want.stderr}--- ulvm rc ${got.rc}\n${got.stdout}${got.stderr}`);
  }
  assert.deepEqual(diffs, [], diffs.join('\n'));
  // Each refusal really is lvm2's exclusive-open one, and nothing was written.
  const refused = await lab.ulvm('pvcreate', ['-y', fsDev]);
  assert.equal(unexpectedStderr(refused.stderr), refusal(fsDev));
  assert.match(run('blkid', ['-p', '-o', 'value', '-s', 'TYPE', fsDev]).stdout, /ext4/, 'the mounted filesystem lost its signature');
  const pvs = lab.lvm('pvs', ['--noheadings', '-o', 'pv_name,vg_name']);
  assert.match(pvs.stdout, new RegExp(`${orphan}\\s*\\n`), `orphan PV gone: ${pvs.stdout}`);
  assert.match(pvs.stdout, new RegExp(`${vgPv}\\s+vgiu`), `PV of vgiu gone: ${pvs.stdout}`);

  // Metadata commits do not claim: a VG whose PV is held (as an active LV holds it) still changes.
  const lv = await lab.ulvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L4m', '-n', 'l1', 'vgiu']);
  assert.equal(lv.rc, 0, `ulvm lvcreate on a held PV: ${lv.stderr}`);
  assert.equal(lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L4m', '-n', 'l2', 'vgiu']).rc, 0);

  // Released and unmounted, the same devices are usable again (the refusal was about use, not content).
  for (const h of holders.splice(0)) await release(h);
  assert.equal(run('umount', [mnt]).status, 0);
  const again = await lab.ulvm('pvcreate', ['-y', fsDev]);
  assert.equal(again.rc, 0, again.stderr);
  assert.equal((await lab.ulvm('pvremove', [orphan])).rc, 0);
});

test('devices in use: image files backing a loop device (mounted or not) are refused in lvm2 words', { skip: skipReason() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-inuse-file-'));
  const loops: string[] = [];
  const mnt = join(dir, 'mnt');
  t.after(() => {
    run('umount', [mnt]);
    for (const l of loops) run('losetup', ['-d', l]);
    rmSync(dir, { recursive: true, force: true });
  });
  const attach = (file: string, offset?: number, size?: number) => {
    const args = ['-f', '--show', ...(offset !== undefined ? ['-o', String(offset)] : []), ...(size !== undefined ? ['--sizelimit', String(size)] : []), file];
    const r = run('losetup', args);
    assert.equal(r.status, 0, r.stderr);
    loops.push(r.stdout.trim());
    return r.stdout.trim();
  };
  // A lab with no loop devices of its own, for its private ulvm dirs.
  const lab = Lab.create(t, 0, 0);
  const ulvm = (args: string[], devices: string[]) => lab.ulvm(args[0]!, args.slice(1), '', undefined, devices);

  const mounted = sparseFile(join(dir, 'mounted.img'), 64 << 20);
  assert.equal(run('mkfs.ext4', ['-q', '-F', mounted]).status, 0, 'mkfs.ext4');
  const l1 = attach(mounted);
  run('mkdir', [mnt]);
  assert.equal(run('mount', [l1, mnt]).status, 0);
  const looped = sparseFile(join(dir, 'looped.img'), 64 << 20);
  attach(looped);
  const free = sparseFile(join(dir, 'free.img'), 64 << 20);

  for (const file of [mounted, looped]) {
    for (const args of [['pvcreate', '-y', file], ['vgcreate', 'vgf', file], ['pvremove', '-f', file]]) {
      const r = await ulvm(args, [file]);
      noTrace(r, args.join(' '));
      assert.equal(r.rc, 5, `${args.join(' ')}: rc ${r.rc}\n${r.stderr}`);
      assert.equal(r.stderr.trimEnd(), refusal(file), args.join(' '));
      assert.equal(r.stdout, '');
    }
  }
  assert.match(run('blkid', ['-p', '-o', 'value', '-s', 'TYPE', mounted]).stdout, /ext4/, 'the mounted image lost its ext4 signature');
  assert.equal((await ulvm(['pvcreate', free], [free])).rc, 0, 'a file no loop device uses is fine');

  // A partitioned image: a loop over partition 2 (a mounted one, say) leaves partition 1 usable.
  const disk = sparseFile(join(dir, 'disk.img'), 64 << 20);
  const p1 = { offset: 1 << 20, length: 30 << 20 };
  const p2 = { offset: 32 << 20, length: 30 << 20 };
  const fd = openSync(disk, 'r+');
  writeSync(fd, encodeMbr([p1, p2]), 0, 512, 0);
  closeSync(fd);
  attach(disk, p2.offset, p2.length);
  const busy = await ulvm(['pvcreate', `${disk}:p2`], [disk]);
  assert.equal(busy.rc, 5, busy.stderr);
  assert.equal(busy.stderr.trimEnd(), refusal(`${disk}:p2`));
  const fine = await ulvm(['pvcreate', `${disk}:p1`], [disk]);
  assert.equal(fine.rc, 0, fine.stderr);
  assert.equal(fine.stdout, `  Physical volume "${disk}:p1" successfully created.\n`);
});

// lvextend/lvreduce -r resize the filesystem on the LV, as lvm2 2.03.16 does through fsadm: check
// it (unless -n), shrink it before a reduce, grow it after an extend, offer to unmount a mounted
// ext4 before shrinking it, and refuse (LV unchanged) when that fails. lvm2 cannot activate LVs
// here, so its output is assembled from its own lines (lv_manip.c) and from real fsadm run on a
// copy of the filesystem in the same state (test/helpers/fsadm-ref.ts). The ext4 lives in the
// daemon's FUSE device tree; a mounted one is mounted through a loop device over the LV's file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparseFile } from '../helpers/files.ts';
import { FsadmReference, realFsadm, type RefResult } from '../helpers/fsadm-ref.ts';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';

const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const MiB = 1024 * 1024;

/** CAP_SYS_RESOURCE (bit 24): ext4's online resize needs it; some sandboxes drop it even for root. */
function hasSysResource(): boolean {
  const m = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n : false;
}

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (FUSE device tree, loop devices, mount)';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  if (!existsSync('/dev/loop-control')) return 'no loop devices';
  for (const c of ['mkfs.ext4', 'e2fsck', 'resize2fs', 'dumpe2fs', 'fsck', 'blkid', 'losetup', 'mount', 'umount']) if (!have(c)) return `${c} not installed`;
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return 'dist/ not built (npm run build)';
  return undefined;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fmt = (r: { rc: number; stdout: string; stderr: string }) => `--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`;
const changed = (lv: string, from: string, to: string) => `  Size of logical volume ${lv} changed from ${from} to ${to}.\n  Logical volume ${lv} successfully resized.\n`;

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function blockCount(dev: string): number {
  return Number(/Block count:\s+(\d+)/.exec(sh('dumpe2fs', ['-h', dev]))![1]);
}

function isMountPoint(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

test('lvextend/lvreduce -r resize ext4 on a ulvm LV as lvm2 and fsadm do', async (t) => {
  const skip = skipReason();
  if (skip) return t.skip(skip);
  const fsadm = realFsadm();
  if ('reason' in fsadm) t.diagnostic(`no comparison with real fsadm's output: ${fsadm.reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lvresize-fs-'));
  const disk = sparseFile(join(dir, 'disk.img'), 256 * MiB);
  const run = join(dir, 'run');
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: run };
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  t.after(() => {
    if (isMountPoint(mnt)) spawnSync('umount', [mnt]);
    spawnSync(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env });
    spawnSync('umount', ['-l', join(run, 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  const ulvm = (args: string[], input = ''): Result => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8', timeout: 300_000 });
    return { rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const must = (args: string[]) => ok(ulvm(args), args.join(' '));
  const lvBytes = (lv: string) => Number(must(['lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_size', lv]).stdout.trim());
  /** Real fsadm on a copy of `file` at `bytes`; undefined without fsadm (then only the results are checked). */
  const reference = (t2: typeof t, file: string, bytes: number, name: string) =>
    'path' in fsadm ? FsadmReference.create(t2, fsadm.path, file, bytes, join(dir, name)) : undefined;
  const expectText = (u: Result, want: () => { stdout: string; stderr: string; rc: number } | undefined, what: string) => {
    const w = want();
    if (w) assert.equal(fmt(u), fmt(w), what);
  };

  must(['pvcreate', disk]);
  must(['vgcreate', 'vg', disk]);
  must(['lvcreate', '-n', 'raw', '-L', '8M', 'vg']);
  must(['lvcreate', '-n', 'fs', '-L', '20M', 'vg']);
  const file = join(run, 'dev', 'vg', 'fs');
  const volume = join(run, 'dev', 'mapper', 'vg-fs');
  const raw = join(run, 'dev', 'vg', 'raw');
  const rawVolume = join(run, 'dev', 'mapper', 'vg-raw');
  assert.ok(statSync(file).isFile(), 'the active LV is a file in the device tree');
  sh('mkfs.ext4', ['-q', '-F', file]);
  const data: Record<string, Buffer> = { 'a.txt': Buffer.from('the data must survive\n'), 'big.bin': randomBytes(12 * MiB) };
  sh('mount', ['-o', 'loop', file, mnt]);
  for (const [n, b] of Object.entries(data)) writeFileSync(join(mnt, n), b);
  sh('umount', [mnt]);
  const dataIntact = (at: string) => {
    for (const [n, b] of Object.entries(data)) assert.equal(sha(readFileSync(join(at, n))), sha(b), `${n} intact`);
  };
  const dataIntactOffline = () => {
    sh('mount', ['-o', 'loop,ro', file, mnt]);
    try {
      dataIntact(mnt);
    } finally {
      sh('umount', [mnt]);
    }
  };
  const fsckClean = () => assert.equal(spawnSync('e2fsck', ['-fn', file]).status, 0, 'e2fsck -fn finds the filesystem clean');

  await t.test("the user's story: extend by 20M with -r, then reduce a 60M filesystem to 30M with -r", (t2) => {
    const ref = reference(t2, file, 40 * MiB, 'ref-extend');
    const chk = ref?.run(['check', 'DEV'], { volume });
    const rsz = ref?.run(['resize', 'DEV', '40960K'], { volume });
    assert.equal(chk?.rc ?? 0, 0);
    assert.equal(rsz?.rc ?? 0, 0);
    const u = ulvm(['lvextend', '-r', '-L', '+20M', 'vg/fs']);
    // lv_resize: fsadm check, the LV grows and is reported, then fsadm resize to the new size.
    expectText(u, () => chk && rsz && { rc: 0, stdout: chk.stdout + changed('vg/fs', '20.00 MiB (5 extents)', '40.00 MiB (10 extents)') + rsz.stdout, stderr: chk.stderr + rsz.stderr }, 'lvextend -r');
    assert.equal(u.rc, 0, u.stderr);
    assert.match(u.stdout, /^fsck from util-linux /);
    assert.ok(u.stdout.endsWith(`Resizing the filesystem on ${volume} to 40960 (1k) blocks.\nThe filesystem on ${volume} is now 40960 (1k) blocks long.\n\n`), u.stdout);
    assert.match(u.stderr, /^resize2fs \d+\.\d+/);
    assert.equal(blockCount(file), 40960, 'the filesystem fills the extended LV');

    // The user grows LV and filesystem to 60M without -r, then reduces with -r.
    must(['lvextend', '-L', '60M', 'vg/fs']);
    sh('resize2fs', [file]);
    assert.equal(blockCount(file), 61440);
    const ref2 = reference(t2, file, 60 * MiB, 'ref-reduce');
    const chk2 = ref2?.run(['check', 'DEV'], { volume });
    const rsz2 = ref2?.run(['--yes', 'resize', 'DEV', '32768K'], { volume });
    assert.equal(rsz2?.rc ?? 0, 0);
    const r = ulvm(['lvreduce', '-r', '-y', '-L', '30M', 'vg/fs']);
    // The filesystem shrinks first, to the rounded size; only then is the LV reduced.
    expectText(
      r,
      () =>
        chk2 &&
        rsz2 && {
          rc: 0,
          stdout: '  Rounding size to boundary between physical extents: 32.00 MiB.\n' + chk2.stdout + rsz2.stdout + changed('vg/fs', '60.00 MiB (15 extents)', '32.00 MiB (8 extents)'),
          stderr: chk2.stderr + rsz2.stderr,
        },
      'lvreduce -r -y',
    );
    assert.equal(r.rc, 0, r.stderr);
    assert.ok(r.stdout.indexOf('The filesystem on') < r.stdout.indexOf('Size of logical volume'), 'the filesystem shrank before the LV');
    assert.equal(lvBytes('vg/fs'), 32 * MiB);
    assert.equal(blockCount(file), 32768, 'the filesystem is exactly the new LV size');
    fsckClean();
    dataIntactOffline();
  });

  await t.test('a mounted filesystem: online grow, and a shrink that must unmount (no, then yes)', (t2) => {
    // Both copies are mounted from the same unmounted state, and go through the same steps.
    const ref = reference(t2, file, 40 * MiB, 'ref-mounted');
    ref?.mount();
    sh('mount', ['-o', 'loop', file, mnt]);
    const names = { volume, mountPoint: mnt };
    const dfSize = () => Number(sh('df', ['-B1', '--output=size', mnt]).split('\n')[1]!.trim());
    const dfBefore = dfSize();

    const chk = ref?.run(['check', 'DEV'], names);
    if (chk) assert.equal(fmt(chk), fmt({ rc: 3, stdout: '', stderr: '' }), 'fsadm check skips a mounted filesystem (status 3)');
    const grow = ref?.run(['resize', 'DEV', '40960K'], names);
    const online = grow ? grow.rc === 0 : hasSysResource();
    if (!hasSysResource()) t2.diagnostic('no CAP_SYS_RESOURCE here: the kernel refuses online resizing, ulvm must say so');
    const g = ulvm(['lvextend', '-r', '-L', '+8M', 'vg/fs']);
    const refused = `  /sbin/fsadm failed: 1\n  Logical volume vg/fs was extended, but its filesystem was not: the kernel refused to grow it while mounted on ${mnt} (online resizing needs CAP_SYS_RESOURCE).\n  To grow it, unmount it and resize it offline: umount ${mnt}; e2fsck -f ${volume}; resize2fs ${volume}\n`;
    expectText(g, () => grow && { rc: online ? 0 : 5, stdout: changed('vg/fs', '32.00 MiB (8 extents)', '40.00 MiB (10 extents)') + grow.stdout, stderr: grow.stderr + (online ? '' : refused) }, 'lvextend -r, mounted');
    assert.equal(lvBytes('vg/fs'), 40 * MiB, 'the LV was extended either way');
    if (online) {
      assert.equal(g.rc, 0, g.stderr);
      assert.ok(dfSize() > dfBefore, 'the mounted filesystem grew');
    } else {
      assert.equal(g.rc, 5);
      assert.ok(g.stderr.endsWith(refused), g.stderr);
      assert.equal(dfSize(), dfBefore, 'the mounted filesystem did not grow');
    }

    // ext4 cannot shrink mounted: fsadm asks to unmount; "n" leaves everything as it was.
    const no = ref?.run(['resize', 'DEV', '24576K'], names, 'n\n');
    assert.equal(no?.rc ?? 1, 1);
    const n = ulvm(['lvreduce', '-r', '-L', '24M', 'vg/fs'], 'n\n');
    expectText(n, () => no && { rc: 5, stdout: no.stdout, stderr: no.stderr + '  /sbin/fsadm failed: 1\n  Filesystem resize failed.\n' }, 'lvreduce -r answered n');
    assert.equal(n.rc, 5);
    assert.match(n.stdout, new RegExp(`^Do you want to unmount "${mnt}" \\? \\[Y\\|n\\] n\\n$`));
    assert.equal(lvBytes('vg/fs'), 40 * MiB, 'the LV was not reduced');
    assert.ok(isMountPoint(mnt), 'still mounted');

    // With -y: unmount, fsck -f, shrink, remount, then the LV is reduced.
    const yes = ref?.run(['--yes', 'resize', 'DEV', '24576K'], names);
    assert.equal(yes?.rc ?? 0, 0);
    const y = ulvm(['lvreduce', '-r', '-y', '-L', '24M', 'vg/fs']);
    expectText(y, () => yes && { rc: 0, stdout: yes.stdout + changed('vg/fs', '40.00 MiB (10 extents)', '24.00 MiB (6 extents)'), stderr: yes.stderr }, 'lvreduce -r -y, mounted');
    assert.equal(y.rc, 0, y.stderr);
    assert.equal(lvBytes('vg/fs'), 24 * MiB);
    assert.ok(isMountPoint(mnt), 'fsadm remounts what it unmounted');
    const loop = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === mnt)!.split(' - ')[1]!.split(' ')[1]!;
    assert.equal(Number(sh('blockdev', ['--getsize64', loop]).trim()), 24 * MiB, 'the loop device under the mount has the LV size');
    dataIntact(mnt);
    sh('umount', [mnt]);
    assert.equal(blockCount(file), 24576);
    fsckClean();
  });

  await t.test('a shrink below the filesystem minimum fails: the LV stays, rc 5', (t2) => {
    const ref = reference(t2, file, 24 * MiB, 'ref-min');
    const chk = ref?.run(['check', 'DEV'], { volume });
    const rsz = ref?.run(['resize', 'DEV', '8192K'], { volume });
    if (rsz) assert.match(rsz.stderr, /New size smaller than minimum/);
    const u = ulvm(['lvreduce', '-r', '-L', '8M', 'vg/fs']);
    expectText(u, () => chk && rsz && { rc: 5, stdout: chk.stdout, stderr: chk.stderr + rsz.stderr + '  /sbin/fsadm failed: 1\n  Filesystem resize failed.\n' }, 'lvreduce -r below minimum');
    assert.equal(u.rc, 5);
    assert.match(u.stderr, /resize2fs: New size smaller than minimum/);
    assert.equal(lvBytes('vg/fs'), 24 * MiB, 'the LV was not reduced');
    assert.equal(blockCount(file), 24576);
    fsckClean();
    dataIntactOffline();
  });

  await t.test('-r on an LV without a filesystem: fsadm finds no type; with -n the LV grows first', (t2) => {
    const ref = reference(t2, raw, 8 * MiB, 'ref-raw');
    const chk = ref?.run(['check', 'DEV'], { volume: rawVolume });
    const u = ulvm(['lvextend', '-r', '-L', '+4M', 'vg/raw']);
    expectText(u, () => chk && { rc: 5, stdout: '', stderr: chk.stderr + '  Filesystem check failed.\n' }, 'lvextend -r, no filesystem');
    assert.equal(u.rc, 5);
    assert.equal(u.stderr, `fsadm: Cannot get FSTYPE of "${rawVolume}".\n  Filesystem check failed.\n`);
    assert.equal(lvBytes('vg/raw'), 8 * MiB, 'nothing changed');

    const ref2 = reference(t2, raw, 12 * MiB, 'ref-raw-n');
    const rsz = ref2?.run(['resize', 'DEV', '12288K'], { volume: rawVolume });
    const n = ulvm(['lvextend', '-r', '-n', '-L', '+4M', 'vg/raw']);
    expectText(n, () => rsz && { rc: 5, stdout: changed('vg/raw', '8.00 MiB (2 extents)', '12.00 MiB (3 extents)'), stderr: rsz.stderr + '  /sbin/fsadm failed: 1\n' }, 'lvextend -r -n, no filesystem');
    assert.equal(n.rc, 5);
    assert.equal(lvBytes('vg/raw'), 12 * MiB, 'without the check the LV is extended before fsadm fails');
  });

  await t.test('-r on an inactive LV is refused before anything changes', () => {
    must(['lvchange', '-an', 'vg/raw']);
    const u = ulvm(['lvextend', '-r', '-L', '+4M', 'vg/raw']);
    assert.equal(fmt(u), fmt({ rc: 5, stdout: '', stderr: '  Logical volume vg/raw must be activated before resizing filesystem.\n' }));
    assert.equal(lvBytes('vg/raw'), 12 * MiB);
  });
});

test('-r on an LV that is not active: the same refusal as real lvm2 on the same device', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 1, 64);
  const [a] = lab.loops as [string];
  ok(lab.lvm('pvcreate', [a]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgr', a]), 'vgcreate');
  ok(lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L', '8M', '-n', 'lv', 'vgr']), 'lvcreate');
  const seqno = () => lab.lvm('vgs', ['--noheadings', '-o', 'vg_seqno', 'vgr']).stdout.trim();
  const before = seqno();
  for (const [cmd, ...args] of [
    ['lvextend', '-r', '-L', '+4M', 'vgr/lv'],
    ['lvreduce', '-r', '-L', '4M', 'vgr/lv'],
    ['lvresize', '-r', '-n', '-L', '12M', 'vgr/lv'],
  ] as [string, ...string[]][]) {
    const full = ['--driverloaded', 'n', ...args];
    const l: RefResult = lab.lvm(cmd, full);
    const u = await lab.ulvm(cmd, full);
    assert.equal(fmt(u), fmt(l), `${cmd} ${full.join(' ')}`);
    assert.match(l.stderr, /must be activated before resizing filesystem/);
  }
  assert.equal(seqno(), before, 'no metadata was written');
});

// An interrupted `lvconvert --merge` is not a stuck VG: the daemon merges in the background and
// drops the snapshot itself once done (lvmpolld's part) when the command was interrupted, ran
// with -b, or the daemon itself was killed and restarted; the origin reads as the snapshot did
// all along; the merge's progress is on disk (the table shrinks from its end, as the kernel's);
// a merge in progress is refused by lvconvert --merge, as lvm2 refuses it, and polled again by
// lvpoll. Runs bin/ulvm with a private run directory; the merge is slowed by
// ULVM_TEST_MERGE_STEP_MS (a pause after each merge step, read by the daemon, for tests only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { openLv } from '../../src/mapper/open-lv.ts';
import type { Table } from '../../src/mapper/table.ts';
import { MergingStore } from '../../src/mapper/merging-store.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const MiB = 1024 * 1024;
/** lvol0 alone, a plain LV again (lv_merging blank). */
const PLAIN = /^ {2}lvol0 -wi-a----- *\n$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an interrupted snapshot merge finishes in the daemon and can be polled again', async (t) => {
  if (!have('nbdcopy') || !have('qemu-io')) return t.skip('nbdcopy/qemu-io not installed (Debian: libnbd-bin, qemu-utils)');
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-merge-resume-'));
  const disks = [join(dir, 'a.img'), join(dir, 'b.img')];
  for (const d of disks) sparseFile(d, 64 * MiB);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_TEST_MERGE_STEP_MS: '200', TZ: 'UTC' };
  const ulvm = async (...args: string[]) => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], { env });
      return { rc: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { rc: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  const ok = async (...args: string[]) => {
    const r = await ulvm(...args);
    assert.equal(r.rc, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  t.after(async () => {
    // A daemon that cannot be stopped cleanly (say the bundle is being rebuilt) is killed.
    const pidFile = join(dir, 'run', 'daemon.pid');
    if ((await ulvm('daemon', 'stop', '--force')).rc !== 0 && existsSync(pidFile)) {
      try {
        process.kill(parseInt(readFileSync(pidFile, 'utf8'), 10), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  const uri = (lv: string) => `nbd+unix:///vgm/${lv}?socket=${join(dir, 'run', 'nbd.sock')}`;
  const sha = async (lv: string) => createHash('sha256').update((await exec('nbdcopy', [uri(lv), '-'], { encoding: 'buffer', maxBuffer: 64 * MiB })).stdout).digest('hex');
  const put = async (lv: string, offset: number, bytes: number) => {
    const f = join(dir, 'data.bin');
    writeFileSync(f, randomBytes(bytes));
    await exec('qemu-io', ['-f', 'raw', '-c', `write -s ${f} ${offset} ${bytes}`, uri(lv)]);
  };
  const attrs = () => ok('lvs', '-a', '--noheadings', '-o', 'lv_name,lv_attr,lv_merging', 'vgm');
  const waitPlain = async () => {
    for (let i = 0; i < 300; i++) {
      if (PLAIN.test(await attrs())) return;
      await sleep(100);
    }
    assert.fail(`the merge did not finish: ${await attrs()}`);
  };
  /** Exceptions left in the merging COW, read from the PVs (the daemon's progress on disk). */
  const leftOnDisk = async (cow: string) => {
    const f = scanDevices(fileOpener, disks).get('vgm')!;
    const o = await openLv(f, cow, { opener: fileOpener, readOnly: true });
    try {
      const s = new MergingStore(o.device.table as Table, 8);
      await s.load();
      return s.remaining;
    } finally {
      await o.close();
    }
  };
  /** A snapshot of lvol0, then 12 MiB of new origin data and a write into the snapshot itself. */
  const snapshot = async (name: string) => {
    await ok('lvcreate', '-s', '-L', '20M', '-n', name, 'vgm/lvol0');
    await put('lvol0', 4 * MiB, 12 * MiB);
    await put(name, 18 * MiB, 64 * 1024);
    const want = await sha(name);
    assert.notEqual(await sha('lvol0'), want);
    return want;
  };

  await ok('pvcreate', ...disks);
  await ok('vgcreate', 'vgm', ...disks);
  await ok('lvcreate', '-L', '24M', '-n', 'lvol0', 'vgm');
  await put('lvol0', 0, 24 * MiB);

  await t.test('lvconvert interrupted (SIGINT): the daemon finishes the merge', async () => {
    const want = await snapshot('snap');
    const total = await leftOnDisk('snap');
    const child = spawn(process.execPath, [BIN, 'lvconvert', '--merge', '--interval', '1', 'vgm/snap'], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && !/Merged: (?!100)/.test(out); i++) await sleep(50);
    assert.match(out, /^ {2}Merging of volume vgm\/snap started\.\n {2}vgm\/lvol0: Merged: \d+\.\d\d%\n/, out);
    child.kill('SIGINT');
    await exited;
    assert.doesNotMatch(out, /has finished/, 'interrupted before the end');
    assert.match(await attrs(), /^ {2}lvol0 +Owi-a-s--- +merging\n {2}\[snap\] +Swi---s--- +merging\n$/);
    // The origin reads as the snapshot did while the rest is copied back.
    assert.equal(await sha('lvol0'), want, 'mid-merge reads');
    const left = await leftOnDisk('snap');
    assert.ok(left < total, `the table shrinks from its end as runs are merged (${left} of ${total} left)`);
    await waitPlain();
    assert.equal(await sha('lvol0'), want, 'the merged origin reads as the snapshot did');
    assert.match(readFileSync(join(dir, 'run', 'daemon.log'), 'utf8'), /merge of vgm\/lvol0 finished by the daemon \(rc 0\): vgm\/lvol0: Merged: 100\.00% \| Merge of snapshot into logical volume vgm\/lvol0 has finished\. \| Logical volume "snap" successfully removed\./);
  });

  await t.test('daemon killed mid-merge: an activation resumes it from the table on disk', async () => {
    const want = await snapshot('snap2');
    const total = await leftOnDisk('snap2');
    const started = Date.now();
    assert.equal(await ok('lvconvert', '--merge', '-b', 'vgm/snap2'), '  Merging of volume vgm/snap2 started.\n');
    assert.ok(Date.now() - started < total * 5, '-b returns at once');
    // lvm2 refuses lvconvert --merge of a snapshot already merging (command-lines.in's rules).
    const again = await ulvm('lvconvert', '--merge', 'vgm/snap2');
    assert.deepEqual(again, {
      rc: 5,
      stdout: '',
      stderr: '  Command on LV vgm/snap2 is invalid on LV with properties: lv_is_merging_cow .\n  Command not permitted on LV vgm/snap2.\n',
    });
    await sleep(700);
    process.kill(parseInt(readFileSync(join(dir, 'run', 'daemon.pid'), 'utf8'), 10), 'SIGKILL');
    await sleep(200);
    const left = await leftOnDisk('snap2');
    assert.ok(left > 0 && left < total, `part merged, part left (${left} of ${total})`);
    assert.match(await attrs(), /^ {2}lvol0 +Owi---s--- +merging\n {2}\[snap2\] +Swi---s--- +merging\n$/);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    assert.equal(await ok('vgchange', '-ay', 'vgm'), '  Background polling started for 1 logical volume(s) in volume group "vgm"\n  1 logical volume(s) in volume group "vgm" now active\n');
    assert.match(await attrs(), /^ {2}lvol0 +Owi-a-s--- +merging\n {2}\[snap2\] +Swi---s--- +merging\n$/);
    // lvpoll polls the merge in the foreground again, as lvmpolld runs it.
    const polled = await ok('lvpoll', '--polloperation', 'merge', '--interval', '1', 'vgm/lvol0');
    const lines = polled.split('\n');
    assert.deepEqual(lines.slice(-4), ['  vgm/lvol0: Merged: 100.00%', '  Merge of snapshot into logical volume vgm/lvol0 has finished.', '  Logical volume "snap2" successfully removed.', '']);
    assert.ok(lines.slice(0, -4).every((l) => /^ {2}vgm\/lvol0: Merged: \d+\.\d\d%$/.test(l)), polled);
    assert.match(await attrs(), PLAIN);
    assert.equal(await sha('lvol0'), want);
  });

  await t.test('origin deactivated mid-merge: its next activation finishes the merge', async () => {
    const want = await snapshot('snap3');
    await ok('lvconvert', '--merge', '-b', 'vgm/snap3');
    await sleep(500);
    assert.equal(await ok('lvchange', '-an', 'vgm/lvol0'), '');
    assert.match(await attrs(), /^ {2}lvol0 +Owi---s--- +merging\n/);
    await ok('lvchange', '-ay', 'vgm/lvol0');
    await waitPlain();
    assert.equal(await sha('lvol0'), want);
  });
});

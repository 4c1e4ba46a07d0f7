// The lab's task 5 on ulvm: ext4 on an origin served through the daemon's FUSE device tree, a
// snapshot mounted beside it (foo = 111 there, 222 in the origin), a 14 MB write that overflows a
// 12 MiB snapshot (invalid, unmountable, origin intact), then a 20 MiB snapshot that survives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

test('lab task 5: snapshots of a mounted ext4 volume, overflow and a big enough snapshot', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (FUSE mount and loop devices)');
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse');
  for (const c of ['mkfs.ext4', 'losetup', 'mount', 'dd']) if (!have(c)) return t.skip(`${c} not installed`);
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lab5-'));
  const disks = [1, 2].map((i) => join(dir, `disk${i}.img`));
  for (const d of disks) sparseFile(d, 25 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const ulvm = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env })).stdout;
  const mntO = join(dir, 'lvol1');
  const mntS = join(dir, 'snap');
  mkdirSync(mntO);
  mkdirSync(mntS);
  const dev = (lv: string) => join(dir, 'run', 'dev', 'lab-vg2', lv);
  t.after(async () => {
    spawnSync('umount', [mntS]);
    spawnSync('umount', [mntO]);
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env, timeout: 30_000 }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });

  await ulvm('pvcreate', ...disks);
  await ulvm('vgcreate', 'lab-vg2', ...disks);
  await ulvm('lvcreate', '-L', '20M', 'lab-vg2');
  await exec('mkfs.ext4', ['-q', '-F', dev('lvol0')]);
  await exec('mount', ['-o', 'loop', dev('lvol0'), mntO]);
  // No sync: the snapshot must see what was written before it, as lvm2's (the kernel freezes
  // the filesystem around the snapshot's instant).
  writeFileSync(join(mntO, 'foo'), '111\n');

  // 1–3: the snapshot, its rounding, its report lines.
  assert.equal(await ulvm('lvcreate', '--snapshot', '--name', 'snap', '--size', '10M', 'lab-vg2/lvol0'), '  Rounding up size to full physical extent 12.00 MiB\n  Logical volume "snap" created.\n');
  assert.equal(statSync(dev('snap')).size, 20 * 1024 * 1024, 'the snapshot is as large as its origin');
  assert.match(await ulvm('lvs', 'lab-vg2'), /^ {2}lvol0 lab-vg2 owi-aos--- 20\.00m\s*\n {2}snap {2}lab-vg2 swi-a-s--- 12\.00m {6}lvol0 {2}\d+\.\d\d/m);
  assert.match(await ulvm('lvdisplay', 'lab-vg2/snap'), /LV snapshot status {5}active destination for lvol0\n[\s\S]*COW-table size {9}12\.00 MiB\n/);

  // 4: independent copies.
  await exec('mount', ['-o', 'loop', dev('snap'), mntS]);
  writeFileSync(join(mntO, 'foo'), '222\n');
  await exec('sync');
  assert.equal(readFileSync(join(mntO, 'foo'), 'utf8'), '222\n');
  assert.equal(readFileSync(join(mntS, 'foo'), 'utf8'), '111\n');
  await exec('umount', [mntS]);

  // 5: 14 MB of new data overflow the 12 MiB COW.
  spawnSync('dd', ['if=/dev/zero', `of=${join(mntO, 'new_bigfile')}`, 'bs=1M', 'count=14', 'conv=fsync']);
  await exec('sync');
  const lvs = await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr,data_percent', 'lab-vg2');
  assert.match(lvs, /snap +swi-I-s--- 100\.00/, lvs);
  assert.match(await ulvm('lvdisplay', 'lab-vg2/snap'), /LV snapshot status {5}INACTIVE destination for lvol0/);
  assert.notEqual(spawnSync('mount', ['-o', 'loop', dev('snap'), mntS]).status, 0, 'the broken snapshot does not mount');
  assert.match(readFileSync(join(dir, 'run', 'daemon.log'), 'utf8'), /device-mapper: snapshots: Invalidating snapshot: Unable to allocate exception\./);
  assert.equal(readFileSync(join(mntO, 'foo'), 'utf8'), '222\n', 'the origin is intact');

  // 6: remove it.
  assert.equal(await ulvm('lvremove', '-y', 'lab-vg2/snap'), '  Logical volume "snap" successfully removed.\n');

  // 7: a 20 MiB snapshot takes a complete change of the origin.
  rmSync(join(mntO, 'new_bigfile'));
  assert.equal(await ulvm('lvcreate', '-s', '-n', 'snap', '-L', '20M', 'lab-vg2/lvol0'), '  Logical volume "snap" created.\n');
  spawnSync('dd', ['if=/dev/zero', `of=${join(mntO, 'new_bigfile')}`, 'bs=1M', 'count=14', 'conv=fsync']);
  await exec('sync');
  assert.match(await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr', 'lab-vg2'), /snap +swi-a-s---/);
  await exec('mount', ['-o', 'loop', dev('snap'), mntS]);
  assert.deepEqual(readdirSync(mntS).sort(), ['foo', 'lost+found']);
  assert.equal(readFileSync(join(mntS, 'foo'), 'utf8'), '222\n');
  assert.ok(statSync(join(mntO, 'new_bigfile')).size > 10 * 1024 * 1024);
  await exec('umount', [mntS]);
  await exec('umount', [mntO]);
});

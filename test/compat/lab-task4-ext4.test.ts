// The lab's task 4 on ulvm: ext4 on an LV through the daemon's FUSE device tree, mounted with
// `mount -o loop`, filled, then vgextend + lvextend live, losetup -c and resize2fs, df bigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

/** CAP_SYS_RESOURCE (bit 24): ext4's online resize needs it; some sandboxes drop it even for root. */
function hasSysResource(): boolean {
  const m = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n : false;
}

test('lab task 4: ext4 on a ulvm LV grows while mounted', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (FUSE mount and loop devices)');
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse');
  for (const c of ['mkfs.ext4', 'e2fsck', 'resize2fs', 'losetup', 'mount']) if (!have(c)) return t.skip(`${c} not installed`);
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lab4-'));
  const disks = [1, 2, 3, 4].map((i) => join(dir, `disk${i}.img`));
  for (const d of disks) sparseFile(d, 25 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const ulvm = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env })).stdout;
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const file = join(dir, 'run', 'dev', 'lab-vg1', 'lvol0');
  t.after(async () => {
    spawnSync('umount', [mnt]);
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });

  await ulvm('pvcreate', ...disks);
  await ulvm('vgcreate', 'lab-vg1', disks[0]!);
  await ulvm('vgcreate', 'lab-vg2', disks[1]!, disks[2]!);
  assert.equal(await ulvm('lvcreate', '-L', '20M', 'lab-vg1'), '  Logical volume "lvol0" created.\n');
  assert.equal(statSync(file).size, 20 * 1024 * 1024, 'the active LV is a file in the device tree');
  assert.equal(statSync(join(dir, 'run', 'dev', 'mapper', 'lab--vg1-lvol0')).ino, statSync(file).ino, 'mapper name and VG/LV name are one inode');
  await exec('mkfs.ext4', ['-q', '-F', file]);
  await exec('e2fsck', ['-fn', file]);
  await exec('mount', ['-o', 'loop', file, mnt]);
  await exec('dd', ['if=/dev/zero', `of=${join(mnt, 'bigfile')}`, 'bs=1M', 'count=14', 'conv=fsync']);
  const dfSize = async () => parseInt((await exec('df', ['-B1', '--output=size', mnt])).stdout.split('\n')[1]!.trim(), 10);
  const before = await dfSize();
  assert.match(await ulvm('lvs', '--noheadings', '-o', 'lv_name,vg_name,lv_attr', 'lab-vg1'), /lvol0 lab-vg1 -wi-ao----/);

  assert.equal(await ulvm('vgextend', 'lab-vg1', disks[3]!), '  Volume group "lab-vg1" successfully extended\n');
  assert.equal(
    await ulvm('lvextend', '-L', '+20M', 'lab-vg1/lvol0'),
    '  Size of logical volume lab-vg1/lvol0 changed from 20.00 MiB (5 extents) to 40.00 MiB (10 extents).\n  Logical volume lab-vg1/lvol0 successfully resized.\n',
  );
  assert.equal(statSync(file).size, 40 * 1024 * 1024, 'the file grew live');
  const loop = (await exec('losetup', ['-j', file, '-O', 'NAME', '-n'])).stdout.trim();
  await exec('losetup', ['-c', loop]);
  if (hasSysResource()) {
    await exec('resize2fs', [loop]);
  } else {
    // This sandbox drops CAP_SYS_RESOURCE, which ext4's online resize requires: grow it unmounted.
    t.diagnostic('no CAP_SYS_RESOURCE here: resize2fs runs offline');
    await exec('umount', [mnt]);
    await exec('e2fsck', ['-fy', file]);
    await exec('resize2fs', [file]);
    await exec('mount', ['-o', 'loop', file, mnt]);
  }
  const after = await dfSize();
  assert.ok(after > before + 15 * 1024 * 1024, `df grew from ${before} to ${after}`);
  assert.equal(statSync(join(mnt, 'bigfile')).size, 14 * 1024 * 1024);
  await exec('umount', [mnt]);
  await exec('e2fsck', ['-fn', file]);
});

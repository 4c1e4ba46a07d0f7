// The lab's task 6 on ulvm: a 28 MiB thin pool made from two LVs with lvconvert, an 80 MiB thin
// volume over-provisioned on it, ext4 on the thin volume through the daemon's FUSE device tree
// (mounted with `mount -o loop`), filled past the pool's size until the pool runs out; the
// kernel's messages in the daemon log, lvs showing the full pool, then lvextend of the pool and
// the file system usable again with what was written and flushed before intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

test('lab task 6: a thin pool runs out under ext4 and comes back after lvextend', { timeout: 240_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (FUSE mount and loop devices)');
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse');
  for (const c of ['mkfs.ext4', 'e2fsck', 'losetup', 'mount', 'dd']) if (!have(c)) return t.skip(`${c} not installed`);
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lab6-'));
  const disks = [1, 2, 3, 4].map((i) => join(dir, `disk${i}.img`));
  for (const d of disks) sparseFile(d, 25 * 1024 * 1024);
  // The queue-then-error timeout of the kernel's dm_thin_pool (60 s) made short for the test.
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_THIN_NO_SPACE_TIMEOUT: '3' };
  const run = async (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', input: '' });
    return { rc: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const ulvm = async (...args: string[]) => {
    const r = await run(...args);
    assert.equal(r.rc, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const file = join(dir, 'run', 'dev', 'lab-vg2', 'thin1');
  t.after(async () => {
    spawnSync('umount', [mnt]);
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });

  await ulvm('pvcreate', ...disks);
  await ulvm('vgcreate', 'lab-vg2', disks[1]!, disks[2]!);
  await ulvm('lvcreate', '-y', '-n', 'pool0', '-L', '28M', 'lab-vg2');
  await ulvm('lvcreate', '-y', '-n', 'pool0meta', '-L', '4M', 'lab-vg2');
  const conv = await ulvm('lvconvert', '--type', 'thin-pool', '--poolmetadata', 'lab-vg2/pool0meta', 'lab-vg2/pool0', '-y');
  assert.equal(conv.stdout, '  Thin pool volume with chunk size 64.00 KiB can address at most <15.88 TiB of data.\n  Converted lab-vg2/pool0 and lab-vg2/pool0meta to thin pool.\n');
  const mk = await ulvm('lvcreate', '-n', 'thin1', '-V', '80M', '--thinpool', 'pool0', 'lab-vg2');
  assert.equal(mk.stderr, '  WARNING: Sum of all thin volume sizes (80.00 MiB) exceeds the size of thin pool lab-vg2/pool0 and the size of whole volume group (48.00 MiB).\n');
  assert.match(mk.stdout, /You have not turned on protection against thin pools running out of space\.\n.*\n  Logical volume "thin1" created\.\n$/);
  assert.equal(statSync(file).size, 80 * 1024 * 1024, 'the thin volume is a file in the device tree');

  await exec('mkfs.ext4', ['-q', '-F', file]);
  await exec('mount', ['-o', 'loop', file, mnt]);
  const df = (await exec('df', ['-k', '--output=size', mnt])).stdout.split('\n')[1]!.trim();
  t.diagnostic(`df: ${df} 1K-blocks (the VM showed 71135)`);
  assert.ok(Math.abs(Number(df) - 71135) < 1500, `df size ${df}`);
  await exec('dd', ['if=/dev/urandom', `of=${join(mnt, 'file1')}`, 'bs=1M', 'count=8', 'conv=fsync']);
  const sum1 = createHash('sha256').update(readFileSync(join(mnt, 'file1'))).digest('hex');
  const lvs1 = (await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr,data_percent', 'lab-vg2')).stdout;
  t.diagnostic(lvs1);
  assert.match(lvs1, /thin1 Vwi-aotz--/);

  // 40 MiB more than the pool holds: the kernel queues, then errors the writes after the timeout.
  const fill = spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'file2')}`, 'bs=1M', 'count=40', 'conv=fsync'], { encoding: 'utf8', timeout: 120_000 });
  t.diagnostic(`dd: rc ${fill.status} ${fill.stderr.trim().split('\n')[0]}`);
  assert.notEqual(fill.status, 0, 'filling the pool fails');
  assert.match(fill.stderr, /Input\/output error|No space left on device/);

  const full = (await ulvm('lvs', '-a', '-o', '+lv_health_status,lv_when_full', 'lab-vg2')).stdout;
  t.diagnostic(full);
  assert.match(full, /pool0\s+lab-vg2 twi-aotzD- 28\.00m\s+100\.00 \d+\.\d\d\s+out_of_data\s+queue/);
  const log = readFileSync(join(dir, 'run', 'daemon.log'), 'utf8');
  const lines = ['reached low water mark for data device: sending event.', 'switching pool to out-of-data-space (queue IO) mode', 'switching pool to out-of-data-space (error IO) mode'];
  let at = 0;
  for (const l of lines) {
    const i = log.indexOf(`device-mapper: thin: `, at) >= 0 ? log.indexOf(l, at) : -1;
    assert.ok(i >= 0, `daemon log lacks "${l}" (in order):\n${log}`);
    at = i + l.length;
  }
  const status = (await ulvm('dmsetup', 'status')).stdout;
  assert.match(status, /lab--vg2-pool0-tpool: 0 57344 thin-pool 1 \d+\/1024 448\/448 - out_of_data_space discard_passdown error_if_no_space - 256 \n/);

  spawnSync('umount', [mnt]);
  const ext = await ulvm('lvextend', '-L', '+8M', 'lab-vg2/pool0');
  assert.match(ext.stdout, /Size of logical volume lab-vg2\/pool0_tdata changed from 28\.00 MiB \(7 extents\) to 36\.00 MiB \(9 extents\)\.\n  Logical volume lab-vg2\/pool0 successfully resized\.\n/);
  const after = (await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr,data_percent', 'lab-vg2/pool0')).stdout;
  t.diagnostic(after);
  assert.match(after, /pool0 twi-aotz-- /);
  assert.match(readFileSync(join(dir, 'run', 'daemon.log'), 'utf8'), /growing the data device from 448 to 576 blocks/);
  // The file system is repaired and mounted again: what was flushed before the pool ran out is intact.
  spawnSync('e2fsck', ['-fy', file]);
  await exec('mount', ['-o', 'loop', file, mnt]);
  assert.equal(createHash('sha256').update(readFileSync(join(mnt, 'file1'))).digest('hex'), sum1);
  await exec('dd', ['if=/dev/zero', `of=${join(mnt, 'file3')}`, 'bs=1M', 'count=2', 'conv=fsync']);
  await exec('umount', [mnt]);
  await ulvm('lvremove', '-y', 'lab-vg2/thin1');
  await ulvm('lvremove', '-y', 'lab-vg2/pool0');
  assert.doesNotMatch((await ulvm('lvs', '-a', 'lab-vg2')).stdout, /pool0|pmspare/);
});

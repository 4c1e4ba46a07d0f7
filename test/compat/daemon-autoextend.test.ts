// The daemon's own snapshot watch (dmeventd's job): with activation/snapshot_autoextend_* in
// lvm.conf, a snapshot filled past the threshold through NBD is extended by the daemon's timer
// without any command being run, and the daemon log carries lvm2's resize messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

test('the daemon extends a filling snapshot on its own (snapshot_autoextend_threshold)', async (t) => {
  if (!have('qemu-io')) return t.skip('qemu-io not installed (Debian: qemu-utils)');
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-autoext-'));
  const disk = join(dir, 'a.img');
  sparseFile(disk, 128 * 1024 * 1024);
  mkdirSync(join(dir, 'sys'));
  writeFileSync(join(dir, 'sys', 'lvm.conf'), 'activation {\n\tsnapshot_autoextend_threshold = 60\n\tsnapshot_autoextend_percent = 50\n}\n');
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env })).stdout;
  t.after(async () => {
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vga', disk);
  await ulvm('lvcreate', '-L', '20M', '-n', 'data', 'vga');
  await ulvm('lvcreate', '-s', '-L', '4M', '-n', 'snap', 'vga/data');
  // 2.5 MiB of first writes: 640 exceptions + 3 areas + header in a 4 MiB COW is over 60%.
  await exec('qemu-io', ['-f', 'raw', '-c', 'write -P 0x33 0 2560k', `nbd+unix:///vga/data?socket=${join(dir, 'run', 'nbd.sock')}`]);
  const before = Number((await ulvm('lvs', '--noheadings', '-o', 'snap_percent', 'vga/snap')).trim());
  assert.ok(before >= 60, `Data% ${before} is over the threshold`);
  // The watch runs every 2 s; give it a few rounds.
  let size = '';
  for (let i = 0; i < 20 && size !== '8.00m'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    size = (await ulvm('lvs', '--noheadings', '-o', 'lv_size', 'vga/snap')).trim();
  }
  assert.equal(size, '8.00m', 'extended by 50% of 4 MiB, rounded up to whole extents');
  const log = readFileSync(join(dir, 'run', 'daemon.log'), 'utf8');
  assert.match(log, /Size of logical volume vga\/snap changed from 4\.00 MiB \(1 extents\) to 8\.00 MiB \(2 extents\)\./);
  const after = Number((await ulvm('lvs', '--noheadings', '-o', 'snap_percent', 'vga/snap')).trim());
  assert.ok(after < before, `Data% fell from ${before} to ${after}`);
  // The exceptions survived the reload: the snapshot still reads the old (zero) data.
  const { stdout } = await exec('qemu-io', ['-f', 'raw', '-c', 'read -P 0 0 2560k', `nbd+unix:///vga/snap?socket=${join(dir, 'run', 'nbd.sock')}`]);
  assert.match(stdout, /read 2621440\/2621440 bytes/);
});

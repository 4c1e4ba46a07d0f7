// The activation daemon through the CLI: lvcreate activates (starting the daemon), lvs/lvdisplay/
// dmsetup show the live state, NBD clients reach the LVs, an LV in use cannot be removed or
// deactivated, lvextend reloads the table live, data acknowledged with FUA survives kill -9, and a
// restarted daemon re-activates what was active.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { mapLvRange } from '../../src/mapper/extent-map.ts';
import { holdExport } from '../helpers/nbd-hold.ts';
import { dmMajor, registeredBlockMajors } from '../../src/activation/major.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

test('activation daemon: activate, serve, reload, refuse, survive kill -9, re-activate', async (t) => {
  if (!have('nbdinfo') || !have('qemu-io')) return t.skip('nbdinfo/qemu-io not installed (Debian: libnbd-bin, qemu-utils)');
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-daemon-'));
  const disks = [join(dir, 'a.img'), join(dir, 'b.img')];
  for (const d of disks) sparseFile(d, 64 * 1024 * 1024);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (...args: string[]) => {
    try {
      const r = await exec(process.execPath, [BIN, ...args], { env });
      return { rc: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { rc: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  };
  t.after(async () => {
    await ulvm('daemon', 'stop', '--force');
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  const sock = join(dir, 'run', 'nbd.sock');
  const uri = (lv: string) => `nbd+unix:///vgd/${lv}?socket=${sock}`;

  assert.equal((await ulvm('pvcreate', ...disks)).rc, 0);
  assert.equal((await ulvm('vgcreate', 'vgd', ...disks)).rc, 0);
  const created = await ulvm('lvcreate', '-L', '16M', '-n', 'data', 'vgd');
  assert.equal(created.rc, 0, created.stderr);
  assert.equal(created.stdout, '  Logical volume "data" created.\n');

  const lvs = await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr,lv_kernel_major,lv_kernel_minor');
  // The major is one no driver on this machine registered (253 is zram0 on some machines).
  const major = dmMajor();
  assert.equal(registeredBlockMajors(readFileSync('/proc/devices', 'utf8')).has(major), false);
  assert.equal(lvs.stdout, `  data -wi-a-----  ${major}    0\n`);
  assert.match((await ulvm('lvdisplay', 'vgd/data')).stdout, new RegExp(`LV Status {14}available\n {2}# open {17}0\n[\\s\\S]*Block device {11}${major}:0\n`));
  assert.equal((await ulvm('dmsetup', 'table', 'vgd-data')).stdout, `0 32768 linear ${disks[0]} 2048\n`);
  // The daemon's registry refuses a message to a linear target with the ioctl's errno.
  assert.deepEqual(await ulvm('dmsetup', 'message', 'vgd-data', '0', 'hello'), { rc: 1, stdout: '', stderr: 'device-mapper: message ioctl on vgd-data  failed: Invalid argument\nCommand failed.\n' });

  await t.test('data written with FUA is on the PV when the daemon is killed', async () => {
    await exec('qemu-io', ['-f', 'raw', '-c', 'write -f -P 0x5a 0 1M', uri('data')]);
    const pid = parseInt(readFileSync(join(dir, 'run', 'daemon.pid'), 'utf8'), 10);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const f = scanDevices(fileOpener, disks).get('vgd')!;
    const piece = mapLvRange(f.vg, f.vg.lvs[0]!, 0, 1024 * 1024)[0]!;
    const img = readFileSync(f.pvDevices.get(piece.pv.id)!.path);
    assert.ok(img.subarray(piece.offset, piece.offset + piece.length).every((b) => b === 0x5a));
    // Without the daemon nothing is active; a restarted daemon brings the LV back.
    assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr')).stdout, '  -wi-------\n');
    assert.equal((await ulvm('daemon', 'start')).rc, 0);
    assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr')).stdout, '  -wi-a-----\n');
    const { stdout } = await exec('qemu-io', ['-f', 'raw', '-c', 'read -P 0x5a 0 1M', uri('data')]);
    assert.match(stdout, /read 1048576\/1048576 bytes/);
  });

  await t.test('an LV in use is neither removed nor deactivated; lvextend reloads it live', async () => {
    const held = await holdExport(sock, 'vgd/data');
    try {
      assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr')).stdout, '  -wi-ao----\n');
      const rm = await ulvm('lvremove', '-f', 'vgd/data');
      assert.equal(rm.rc, 5);
      assert.equal(rm.stderr, '  Logical volume vgd/data contains a filesystem in use.\n');
      const off = await ulvm('lvchange', '-an', 'vgd/data');
      assert.equal(off.rc, 5);
      assert.match(off.stderr, /in use/);
      assert.equal((await ulvm('lvextend', '-L', '+48M', 'vgd/data')).rc, 0);
      const { stdout } = await exec('nbdinfo', ['--size', uri('data')]);
      assert.equal(stdout.trim(), String(64 * 1024 * 1024));
      assert.equal((await ulvm('dmsetup', 'table', 'vgd-data')).stdout.split('\n').filter((l) => l).length, 2, 'the new table spans both PVs');
    } finally {
      held.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await ulvm('lvchange', '-an', 'vgd/data')).rc, 0);
    assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr')).stdout, '  -wi-------\n');
    assert.equal((await ulvm('vgchange', '-ay', 'vgd')).stdout, '  1 logical volume(s) in volume group "vgd" now active\n');
    const rm = await ulvm('lvremove', 'vgd/data', '-y');
    assert.equal(rm.rc, 0, rm.stderr);
    assert.equal((await ulvm('vgchange', '-an', 'vgd')).stdout, '  0 logical volume(s) in volume group "vgd" now active\n');
  });
});

// The paths ulvm prints for an active LV are paths that exist: the device-tree files, or lvm2's
// /dev/VG/LV and /dev/mapper/VG-LV once vgmknodes has linked them to those files. Device numbers
// use a major no driver on this machine registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';
import { registeredBlockMajors } from '../../src/activation/major.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;

function skipReason(): string | undefined {
  if ((process.getuid?.() ?? 1) !== 0) return 'needs root (the FUSE device tree and /dev links)';
  if (!existsSync('/dev/fuse')) return 'needs /dev/fuse';
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return 'dist/ not built (npm run build)';
  return undefined;
}

test('active LVs are named by paths that exist; vgmknodes links lvm2\'s names to them', async (t) => {
  const skip = skipReason();
  if (skip) return t.skip(skip);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-paths-'));
  // A VG name of this run only: the links go to the real /dev.
  const vg = `ulvmpaths${process.pid}`;
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
    await ulvm('vgchange', '-an', vg);
    await ulvm('vgmknodes', vg);
    await ulvm('daemon', 'stop', '--force');
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(`/dev/${vg}`, { recursive: true, force: true });
    rmSync(`/dev/mapper/${vg}-data`, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  const disk = join(dir, 'a.img');
  sparseFile(disk, 64 << 20);
  assert.equal((await ulvm('pvcreate', disk)).rc, 0);
  assert.equal((await ulvm('vgcreate', vg, disk)).rc, 0);
  assert.equal((await ulvm('lvcreate', '-an', '-L', '8M', '-n', 'off', vg)).rc, 0);
  const made = await ulvm('lvcreate', '-L', '16M', '-n', 'data', vg);
  assert.equal(made.rc, 0, made.stderr);
  const tree = join(dir, 'run', 'dev');
  const file = join(tree, vg, 'data');
  const dmFile = join(tree, 'mapper', `${vg}-data`);

  // Before vgmknodes: the device-tree files, which exist; an inactive LV keeps lvm2's name.
  const paths = async () => (await ulvm('lvs', '--noheadings', '--separator', ' ', '-o', 'lv_name,lv_path,lv_dm_path', vg)).stdout;
  assert.equal(await paths(), `  data ${file} ${dmFile}\n  off /dev/${vg}/off /dev/mapper/${vg}-off\n`);
  assert.equal(lstatSync(file).size, 16 << 20);
  const shown = (await ulvm('lvdisplay', `${vg}/data`)).stdout;
  assert.match(shown, new RegExp(`^ {2}LV Path {16}${file}$`, 'm'));
  assert.match((await ulvm('lvscan')).stdout, new RegExp(`ACTIVE {12}'${file}' \\[16\\.00 MiB\\]`));

  // The major is nobody else's.
  const m = /Block device {11}(\d+):(\d+)/.exec(shown);
  assert.ok(m, shown);
  assert.equal(registeredBlockMajors(readFileSync('/proc/devices', 'utf8')).has(Number(m[1])), false, `major ${m[1]} belongs to a driver`);

  // vgmknodes: lvm2's names link to the files, and lvm2's names are printed again.
  const mk = await ulvm('vgmknodes', vg);
  assert.deepEqual([mk.rc, mk.stdout, mk.stderr], [0, '', '']);
  assert.equal(readlinkSync(`/dev/${vg}/data`), file);
  assert.equal(readlinkSync(`/dev/mapper/${vg}-data`), dmFile);
  assert.equal(existsSync(`/dev/${vg}/off`), false);
  assert.equal(await paths(), `  data /dev/${vg}/data /dev/mapper/${vg}-data\n  off /dev/${vg}/off /dev/mapper/${vg}-off\n`);
  // The link is usable as a device: what is written through it reads back through the file.
  spawnSync('dd', ['if=/dev/urandom', `of=/dev/${vg}/data`, 'bs=64k', 'count=4', 'conv=fsync', 'status=none']);
  const a = spawnSync('cmp', ['-n', String(256 << 10), `/dev/${vg}/data`, file]);
  assert.equal(a.status, 0);

  // Something that is not ulvm's is left alone.
  const foreign = await ulvm('vgmknodes', 'novg');
  assert.deepEqual([foreign.rc, foreign.stderr], [5, '  Volume group "novg" not found\n  Cannot process volume group novg\n']);

  // Deactivated: vgmknodes removes ulvm's links and the VG directory it made.
  assert.equal((await ulvm('lvchange', '-an', `${vg}/data`)).rc, 0);
  assert.equal((await ulvm('vgmknodes', vg)).rc, 0);
  assert.equal(existsSync(`/dev/${vg}`), false);
  assert.equal(existsSync(`/dev/mapper/${vg}-data`), false);
  assert.equal(await paths(), `  data /dev/${vg}/data /dev/mapper/${vg}-data\n  off /dev/${vg}/off /dev/mapper/${vg}-off\n`);
});

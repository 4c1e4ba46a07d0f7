// The real Linux kernel (lvm2 + device-mapper inside a libguestfs appliance) activates a VG that
// ulvm made, and reads back, through its own linear and striped targets, the bytes ulvm placed
// at the physical extents its metadata names. One appliance boot for the whole file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { sparseFile } from '../helpers/files.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { mapLvRange } from '../../src/mapper/extent-map.ts';

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Deterministic content: every 512-byte sector names its LV and LV sector. */
function pattern(lv: string, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let s = 0; s < bytes / 512; s++) b.write(`${lv}:${s}:`.padEnd(512, String.fromCharCode(65 + (s % 26))), s * 512, 'latin1');
  return b;
}

test('the kernel activates a ulvm-made VG (linear over two PVs, striped) and reads the data ulvm placed', async (t) => {
  if (!have('guestfish')) return t.skip('guestfish (libguestfs-tools) is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-kernel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = [join(dir, 'd1.img'), join(dir, 'd2.img')];
  for (const d of disks) sparseFile(d, 64 * 1024 * 1024);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (cmd: string, ...args: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disks.join(',')], { io, env, uid: 0, cwd: dir, opener: fileOpener });
    assert.equal(rc, 0, `${cmd} ${args.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };
  await ulvm('pvcreate', ...disks);
  await ulvm('vgcreate', 'vgk', ...disks);
  await ulvm('lvcreate', '-i', '2', '-I', '64k', '-l', '4', '-n', 'str', 'vgk');
  await ulvm('lvcreate', '-l', '20', '-n', 'lin', 'vgk');
  const found = scanDevices(fileOpener, disks).get('vgk')!;
  const lin = found.vg.lvs.find((l) => l.name === 'lin')!;
  assert.equal(lin.segments.length, 2, 'lin spans both PVs');
  const expect: Record<string, string> = {};
  for (const lv of found.vg.lvs) {
    const bytes = lv.segments.reduce((n, s) => n + s.extentCount, 0) * found.vg.extentSize * 512;
    const data = pattern(lv.name, bytes);
    let pos = 0;
    for (const piece of mapLvRange(found.vg, lv, 0, bytes)) {
      const dev = fileOpener.open(found.pvDevices.get(piece.pv.id)!.path, true);
      dev.write(piece.offset, data.subarray(pos, pos + piece.length));
      dev.close();
      pos += piece.length;
    }
    expect[lv.name] = createHash('sha256').update(data).digest('hex');
  }
  const script = [
    ...disks.map((d) => `add-drive-opts ${d} readonly:true format:raw`),
    'run',
    'vg-activate-all true',
    'lvs',
    'checksum-device sha256 /dev/vgk/lin',
    'checksum-device sha256 /dev/vgk/str',
    'blockdev-getsize64 /dev/vgk/lin',
    'blockdev-getsize64 /dev/vgk/str',
  ].join('\n');
  const r = spawnSync('guestfish', [], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg', LIBGUESTFS_BACKEND: 'direct' },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.deepEqual(lines.slice(0, 2).sort(), ['/dev/vgk/lin', '/dev/vgk/str']);
  assert.equal(lines[2], expect.lin, 'kernel reads the linear LV (two segments on two PVs) as ulvm laid it out');
  assert.equal(lines[3], expect.str, 'kernel reads the striped LV as ulvm laid it out');
  assert.equal(Number(lines[4]), 20 * 4 * 1024 * 1024);
  assert.equal(Number(lines[5]), 4 * 4 * 1024 * 1024);
});

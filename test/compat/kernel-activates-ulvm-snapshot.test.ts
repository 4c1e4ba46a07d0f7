// A snapshot ulvm creates and diverges through its own data path activates under the real kernel
// (lvm2 + dm-snapshot in a libguestfs appliance): same bytes, same files, same Data%. One boot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparseFile } from '../helpers/files.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { applianceSh, guestfish, haveGuestfish } from '../helpers/guestfish.ts';

const MiB = 1024 * 1024;
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('the kernel activates a snapshot ulvm created and diverged, and sees what ulvm sees', async (t) => {
  if (!haveGuestfish()) return t.skip('guestfish (libguestfs-tools) is not installed');
  if (!have('mkfs.ext4') || !have('debugfs')) return t.skip('e2fsprogs is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-ksnap-'));
  const engine = new ActivationEngine(fileOpener);
  t.after(async () => {
    await engine.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const disk = join(dir, 'd1.img');
  sparseFile(disk, 64 * MiB);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (cmd: string, ...args: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    assert.equal(rc, 0, `${cmd} ${args.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgk', disk);
  await ulvm('lvcreate', '-L', '20M', '-n', 'lvol0', 'vgk');

  // ext4 with foo = 111, written into the origin through ulvm.
  const tree = join(dir, 'tree');
  mkdirSync(tree);
  writeFileSync(join(tree, 'foo'), '111\n');
  const fs1 = join(dir, 'fs1.img');
  const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-d', tree, '-E', 'root_owner=0:0', fs1, '20M'], { encoding: 'utf8' });
  assert.equal(mk.status, 0, mk.stderr);
  const before = readFileSync(fs1);
  const origin = engine.device('vgk', 'lvol0')!;
  await origin.write(0, before);
  await origin.flush();

  assert.equal(await ulvm('lvcreate', '-s', '-L', '12M', '-n', 'snap', 'vgk/lvol0'), '  Logical volume "snap" created.\n');

  // The user changes foo to 222: the changed 4 KiB blocks go through the snapshot-origin target.
  writeFileSync(join(tree, 'foo'), '222\n');
  const fs2 = join(dir, 'fs2.img');
  writeFileSync(fs2, before);
  const dbg = spawnSync('debugfs', ['-w', '-R', `write ${join(tree, 'foo')} foo2`, fs2], { encoding: 'utf8' });
  assert.equal(dbg.status, 0, dbg.stderr);
  const dbg2 = spawnSync('debugfs', ['-w', '-f', '-', fs2], { input: 'rm foo\nln foo2 foo\nunlink foo2\n', encoding: 'utf8' });
  assert.equal(dbg2.status, 0, dbg2.stderr);
  const after = readFileSync(fs2);
  let changed = 0;
  for (let off = 0; off < after.length; off += 4096) {
    const a = after.subarray(off, off + 4096);
    if (!a.equals(before.subarray(off, off + 4096))) {
      await origin.write(off, a);
      changed++;
    }
  }
  await origin.flush();
  assert.ok(changed > 0 && changed < 100, `${changed} blocks changed`);
  const snapDev = engine.device('vgk', 'snap')!;
  assert.equal(sha(await snapDev.read(0, snapDev.size)), sha(before), 'ulvm’s snapshot still holds the old file system');
  const lvs = await ulvm('lvs', '--noheadings', '-o', 'lv_name,lv_attr,snap_percent', 'vgk');
  const ours = new Map(lvs.trim().split('\n').map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f.slice(1)]));
  assert.deepEqual(ours.get('snap')!.slice(0, 1), ['swi-a-s---']);
  await ulvm('vgchange', '-an', 'vgk');

  // A second VG: an origin ulvm extended (inactive) after its snapshot was taken; the snapshot
  // keeps the origin's old size, in the kernel as in ulvm.
  const disk2 = join(dir, 'd2.img');
  sparseFile(disk2, 64 * MiB);
  const ulvm2 = async (...args: string[]) => {
    const io = new BufferIo();
    // ulvm dmsetup takes no --devices: it shows what the engine has active.
    const rest = args[0] === 'dmsetup' ? args.slice(1) : [...args.slice(1), '--devices', disk2];
    const rc = await runCommand(args[0]!, rest, { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    assert.equal(rc, 0, `${args.join(' ')}: ${io.stderr}`);
    return io.stdout;
  };
  await ulvm2('pvcreate', disk2);
  await ulvm2('vgcreate', 'vge', disk2);
  await ulvm2('lvcreate', '-L', '8M', '-n', 'lvol0', 'vge');
  const e0 = Buffer.alloc(8 * MiB, 0x11);
  await engine.device('vge', 'lvol0')!.write(0, e0);
  await ulvm2('lvcreate', '-s', '-L', '8M', '-n', 'snap', 'vge/lvol0');
  await ulvm2('lvchange', '-an', 'vge/lvol0');
  await ulvm2('lvextend', '-L', '+4M', 'vge/lvol0');
  await ulvm2('lvchange', '-ay', 'vge/lvol0');
  await engine.device('vge', 'lvol0')!.write(4 * MiB, Buffer.alloc(8 * MiB, 0x22));
  const eTables = (await ulvm2('dmsetup', 'table')).split('\n').filter((l) => l.startsWith('vge-lvol0:') || l.startsWith('vge-snap:')).map((l) => l.split(' ').slice(0, 4).join(' '));
  const eLvs = (await ulvm2('lvs', '--noheadings', '-o', 'lv_name,lv_size,snap_percent', 'vge')).trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  await ulvm2('vgchange', '-an', 'vge');

  const k = guestfish([
    `add-drive-opts ${disk} format:raw readonly:true`,
    `add-drive-opts ${disk2} format:raw readonly:true`,
    'run',
    'vg-activate-all true',
    'checksum-device sha256 /dev/vgk/snap',
    'checksum-device sha256 /dev/vgk/lvol0',
    'debug sh "lvm lvs --noheadings -o lv_name,lv_attr,snap_percent vgk 2>/dev/null"',
    'debug sh "mkdir -p /s /o; mount -o ro,noload /dev/vgk/snap /s && mount -o ro,noload /dev/vgk/lvol0 /o && cat /s/foo /o/foo"',
    applianceSh('dmsetup table | grep -E "^vge-(lvol0|snap): " | cut -d" " -f2-4 | sed -e "s/^/table:/"; lvm lvs --noheadings -o lv_name,lv_size,snap_percent vge 2>/dev/null | sed -e "s/^/lvs:/"'),
    'checksum-device sha256 /dev/vge/snap',
  ]);
  assert.equal(k[0], sha(before), 'the kernel reads ulvm’s snapshot as the old file system');
  assert.equal(k[1], sha(after), 'and the origin as the new one');
  const theirs = new Map(k.slice(2, 4).map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f.slice(1)]));
  assert.deepEqual(theirs.get('snap'), ours.get('snap'), 'same attr and Data% as ulvm reports');
  assert.deepEqual(theirs.get('lvol0')![0], 'owi-a-s---');
  assert.deepEqual(k.slice(4, 6), ['111', '222'], 'foo holds 111 in the snapshot, 222 in the origin');
  // The extended origin: table lengths, sizes and Data% as ulvm has them, and the old contents.
  const kTables = k.filter((l) => l.startsWith('table:')).map((l) => l.slice(6));
  assert.deepEqual(kTables, ['0 24576 snapshot-origin', '0 16384 snapshot']);
  assert.deepEqual(eTables, ['vge-lvol0: 0 24576 snapshot-origin', 'vge-snap: 0 16384 snapshot'], 'ulvm’s tables');
  const kLvs = k.filter((l) => l.startsWith('lvs:')).map((l) => l.slice(4).trim().split(/\s+/).join(' '));
  assert.deepEqual(kLvs, eLvs, 'the kernel and ulvm agree on sizes and Data%');
  assert.equal(k[k.length - 1], sha(e0), 'the snapshot holds the origin as it was when taken');
});

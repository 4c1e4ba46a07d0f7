// Snapshot merges between ulvm and the real kernel (lvm2 + dm-snapshot-merge in a libguestfs
// appliance), one boot: (a) ulvm merges at once and the kernel reads the rolled-back origin;
// (b) ulvm leaves a delayed merge (origin open) and the kernel's next activation performs it;
// (c) lvm2 leaves a delayed merge and ulvm's next activation performs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparseFile } from '../helpers/files.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { MountTable } from '../golden/vm-shell.ts';
import { applianceSh as sh, guestfish, haveGuestfish } from '../helpers/guestfish.ts';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');


test('snapshot merges: ulvm ↔ the kernel, at once and on next activation', async (t) => {
  if (!haveGuestfish()) return t.skip('guestfish (libguestfs-tools) is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-kmerge-'));
  const mounts = new MountTable();
  const engine = new ActivationEngine(fileOpener, undefined, undefined, mounts);
  t.after(async () => {
    await engine.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });
  const disks = ['a', 'b', 'c'].map((x) => join(dir, `${x}.img`));
  for (const d of disks) sparseFile(d, 64 * MiB);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (disk: string, line: string) => {
    const io = new BufferIo();
    const [cmd, ...args] = line.split(' ');
    const rc = await runCommand(cmd!, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    assert.equal(rc, 0, `${line}: ${io.stderr}`);
    return io.stdout;
  };
  // Origin data A, a snapshot, then B over part of the origin and C into the snapshot itself.
  const A = randomBytes(20 * MiB);
  const expected = Buffer.from(A);
  const prepare = async (disk: string, vg: string) => {
    await ulvm(disk, `pvcreate ${disk}`);
    await ulvm(disk, `vgcreate ${vg} ${disk}`);
    await ulvm(disk, `lvcreate -L 20M -n lvol0 ${vg}`);
    const origin = engine.device(vg, 'lvol0')!;
    await origin.write(0, A);
    await ulvm(disk, `lvcreate -s -L 12M -n snap ${vg}/lvol0`);
    await origin.write(3 * MiB, randomBytes(5 * MiB));
    const C = randomBytes(64 * 1024);
    await engine.device(vg, 'snap')!.write(15 * MiB, C);
    await origin.flush();
    await engine.device(vg, 'snap')!.flush();
    return C;
  };
  const C = await prepare(disks[0]!, 'vga');
  expected.set(C, 15 * MiB);
  const expectedB = Buffer.from(A);
  expectedB.set(await prepare(disks[1]!, 'vgb'), 15 * MiB);

  // (a) at once.
  assert.equal(await ulvm(disks[0]!, 'lvconvert --merge vga/snap'), [
    '  Merging of volume vga/snap started.',
    '  vga/lvol0: Merged: 100.00%',
    '  Merge of snapshot into logical volume vga/lvol0 has finished.',
    '  Logical volume "snap" successfully removed.',
    '',
  ].join('\n'));
  const merged = await engine.device('vga', 'lvol0')!.read(0, 20 * MiB);
  assert.equal(sha(merged), sha(expected), 'ulvm’s origin reads as the snapshot did');
  await ulvm(disks[0]!, 'vgchange -an vga');

  // (b) delayed: the origin is open when the merge is asked for.
  mounts.mount('vgb/lvol0', '/mnt');
  assert.equal(await ulvm(disks[1]!, 'lvconvert --merge vgb/snap'), '  Delaying merge since origin is open.\n  Merging of snapshot vgb/snap will occur on next activation of vgb/lvol0.\n');
  mounts.umount('/mnt');
  await ulvm(disks[1]!, 'vgchange -an vgb');

  // (c) lvm2 makes vgc and asks for a merge while the origin is held open.
  const k = guestfish([
    ...disks.map((d) => `add-drive-opts ${d} format:raw`),
    'run',
    sh(
      [
        'export LVM_SUPPRESS_FD_WARNINGS=1',
        'lvm vgchange -ay vga vgb >/dev/null 2>&1',
        'echo "a=$(sha256sum < /dev/vga/lvol0 | cut -d" " -f1)"',
        'echo "alvs=$(lvm lvs --noheadings -o lv_name,lv_attr vga 2>/dev/null | xargs)"',
        // lvm2's own words for what ulvm says too: a snapshot extended past its maximum COW size.
        'lvm lvcreate -q -s -L 8M -n cap vga/lvol0 >/dev/null 2>&1',
        'echo "ext1=$(lvm lvextend -L +40M vga/cap 2>&1 | xargs)"',
        'echo "ext2=$(lvm lvextend -L +4M vga/cap 2>&1 | xargs)"',
        'lvm lvremove -q -f vga/cap >/dev/null 2>&1',
        'sleep 2',
        'echo "b=$(sha256sum < /dev/vgb/lvol0 | cut -d" " -f1)"',
        'lvm pvcreate -q /dev/sdc >/dev/null 2>&1; lvm vgcreate -q vgc /dev/sdc >/dev/null 2>&1',
        'lvm lvcreate -q -L 20M -n lvol0 vgc >/dev/null 2>&1',
        'dd if=/dev/urandom of=/dev/vgc/lvol0 bs=1M count=20 oflag=direct 2>/dev/null',
        'lvm lvcreate -q -s -L 12M -n snap vgc/lvol0 >/dev/null 2>&1',
        'dd if=/dev/urandom of=/dev/vgc/lvol0 bs=1M seek=2 count=6 oflag=direct 2>/dev/null',
        'echo "csnap=$(sha256sum < /dev/vgc/snap | cut -d" " -f1)"',
        'exec 3</dev/vgc/lvol0',
        'echo "cmerge=$(lvm lvconvert --merge vgc/snap 2>/dev/null | xargs)"',
        // And its refusals while the merge waits.
        'echo "again=$(lvm lvconvert --merge vgc/snap 2>&1 | grep -v lvmpolld | xargs)"',
        'echo "onorigin=$(lvm lvconvert --merge vgc/lvol0 2>&1 | grep -v lvmpolld | xargs)"',
        // (not xargs: the message has a quote in it)
        'echo "rm=$(lvm lvremove -f vgc/snap 2>&1 | sed -e \"s/^ *//\" | paste -sd \" \")"',
        'exec 3<&-',
        'lvm vgchange -an vgc >/dev/null 2>&1',
        'sleep 1',
        'lvm vgchange -an vga vgb >/dev/null 2>&1',
        'echo "done"',
      ].join('\n'),
    ),
  ]);
  const kv = new Map(k.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  assert.equal(kv.get('a'), sha(expected), 'the kernel reads ulvm’s merged origin');
  assert.equal(kv.get('alvs'), 'lvol0 -wi-a-----', 'and lvm2 sees no snapshot left');
  assert.equal(kv.get('b'), sha(expectedB), 'the kernel’s activation merged ulvm’s delayed merge');
  assert.equal(kv.get('cmerge'), 'Delaying merge since origin is open. Merging of snapshot vgc/snap will occur on next activation of vgc/lvol0.');
  assert.ok(k.includes('done'), k.join('\n'));

  // The same commands through ulvm give lvm2's words.
  const both = async (disk: string, line: string) => {
    const io = new BufferIo();
    const [cmd, ...args] = line.split(' ');
    await runCommand(cmd!, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    return (io.stdout + io.stderr).split('\n').map((l) => l.trim()).filter((l) => l).join(' ');
  };
  await ulvm(disks[0]!, 'vgchange -ay vga');
  await ulvm(disks[0]!, 'lvcreate -s -L 8M -n cap vga/lvol0');
  assert.equal(await both(disks[0]!, 'lvextend -L +40M vga/cap'), kv.get('ext1'));
  assert.equal(await both(disks[0]!, 'lvextend -L +4M vga/cap'), kv.get('ext2'));
  assert.equal(await both(disks[2]!, 'lvconvert --merge vgc/snap'), kv.get('again'));
  assert.equal(await both(disks[2]!, 'lvconvert --merge vgc/lvol0'), kv.get('onorigin'));
  // lvm2 refused to remove its live merging snapshot; ulvm says the same of a live one (unit test).
  assert.equal(kv.get('rm'), "Can't remove merging snapshot logical volume vgc/snap.");

  // (c) ulvm's activation performs lvm2's delayed merge.
  assert.match(await ulvm(disks[2]!, 'lvs -a --noheadings -o lv_name,lv_attr,lv_merging vgc'), /lvol0 +Owi---s--- +merging\n +\[snap\] +Swi---s--- +merging/);
  await ulvm(disks[2]!, 'lvchange -ay vgc/lvol0');
  assert.equal(sha(await engine.device('vgc', 'lvol0')!.read(0, 20 * MiB)), kv.get('csnap'), 'ulvm’s origin reads as lvm2’s snapshot did');
  assert.equal(await ulvm(disks[2]!, 'lvs -a --noheadings -o lv_name,lv_attr vgc'), '  lvol0 -wi-a-----\n');

  // Whether or not lvm2's background poll got to drop vgb's snapshot, ulvm ends the merge.
  await ulvm(disks[1]!, 'vgchange -ay vgb');
  assert.equal(sha(await engine.device('vgb', 'lvol0')!.read(0, 20 * MiB)), sha(expectedB));
  assert.equal(await ulvm(disks[1]!, 'lvs -a --noheadings -o lv_name,lv_attr vgb'), '  lvol0 -wi-a-----\n');
});

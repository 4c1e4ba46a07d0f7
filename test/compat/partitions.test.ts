// PVs on partitions of a disk image (MBR made by parted, GPT made by sfdisk): the lab's task 1
// on one image with four partitions; real lvm2 on the kernel's partition devices agrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { labSkipReason } from '../helpers/lab.ts';
import { partitionsOf } from '../../src/devices/partition.ts';

const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

function image(dir: string, name: string, mib: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, mib * 1024 * 1024);
  closeSync(fd);
  return p;
}

test('PVs on the partitions of one image (MBR by parted, GPT by sfdisk)', async (t) => {
  if (!have('parted') || !have('sfdisk')) return t.skip('parted/sfdisk not installed (Debian: parted, fdisk)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-part-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (...a: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(a[0]!, a.slice(1), { io, env, uid: 0, cwd: dir, opener: fileOpener });
    return { rc, out: io.stdout, err: io.stderr };
  };
  const mbr = image(dir, 'lab.img', 110);
  // The lab's four primary partitions of 25 MB (parted rounds to MiB here).
  assert.equal(spawnSync('parted', ['-s', mbr, 'mklabel', 'msdos', 'mkpart', 'primary', 'ext4', '1MiB', '26MiB', 'mkpart', 'primary', 'ext4', '26MiB', '51MiB', 'mkpart', 'primary', 'ext4', '51MiB', '76MiB', 'mkpart', 'primary', 'ext4', '76MiB', '101MiB']).status, 0);
  const gpt = image(dir, 'gpt.img', 64);
  writeFileSync(join(dir, 'gpt.sfdisk'), 'label: gpt\n,20MiB\n,20MiB\n');
  assert.equal(spawnSync('sh', ['-c', `sfdisk -q ${gpt} < ${join(dir, 'gpt.sfdisk')}`]).status, 0);

  const r0 = await ulvm('lvmdevices', '--adddev', mbr);
  assert.equal(r0.rc, 0, r0.err);
  const all = await ulvm('pvs', '-a');
  assert.equal(all.out, ['  PV' + ' '.repeat(mbr.length + 2) + 'VG Fmt Attr PSize PFree', ...[1, 2, 3, 4].map((i) => `  ${mbr}:p${i}        ---     0     0 `)].join('\n') + '\n', 'the partitions, not the partitioned disk, are candidates');
  const whole = await ulvm('pvcreate', mbr);
  assert.equal(whole.rc, 5);
  assert.equal(whole.err, `  Cannot use ${mbr}: device is partitioned\n`);
  const parts = [1, 2, 3, 4].map((i) => `${mbr}:p${i}`);
  assert.equal((await ulvm('pvcreate', ...parts)).rc, 0);
  assert.equal((await ulvm('vgcreate', 'lab-vg1', parts[0]!)).rc, 0);
  assert.equal((await ulvm('vgcreate', 'lab-vg2', parts[1]!, parts[2]!)).rc, 0);
  assert.equal((await ulvm('lvcreate', '-an', '-L', '20M', 'lab-vg1')).rc, 0);
  const vgs = await ulvm('vgs');
  assert.equal(vgs.out, '  VG      #PV #LV #SN Attr   VSize  VFree \n  lab-vg1   1   1   0 wz--n- 24.00m  4.00m\n  lab-vg2   2   0   0 wz--n- 48.00m 48.00m\n');
  assert.match((await ulvm('pvdisplay', parts[3]!)).out, /PV Size {15}25\.00 MiB\n/);

  const g = await ulvm('pvcreate', '--devices', `${gpt}:p1,${gpt}:p2`, `${gpt}:p1`, `${gpt}:p2`);
  assert.equal(g.rc, 0, g.err);
  assert.equal((await ulvm('vgcreate', '--devices', `${gpt}:p1,${gpt}:p2`, 'vggpt', `${gpt}:p1`, `${gpt}:p2`)).rc, 0);
  assert.match((await ulvm('vgs', '--devices', `${gpt}:p1,${gpt}:p2`, '--noheadings', '-o', 'vg_name,pv_count,vg_size')).out, /vggpt\s+2\s+<?40\.00m|vggpt\s+2\s+32\.00m/);

  const skip = labSkipReason();
  if (skip) return t.diagnostic(`real lvm2 check skipped: ${skip}`);
  // The same partitions as loop devices (offset and size limit from the table; this kernel does
  // not create partition nodes for loop devices), seen by real lvm2.
  const disk = fileOpener.open(mbr, false);
  const table = partitionsOf(disk)!;
  disk.close();
  const loops: string[] = [];
  try {
    for (const p of table) {
      const lo = spawnSync('losetup', ['-f', '--show', '-o', String(p.offset), '--sizelimit', String(p.length), mbr], { encoding: 'utf8' });
      assert.equal(lo.status, 0, lo.stderr);
      loops.push(lo.stdout.trim());
    }
    const conf = join(dir, 'lvm');
    spawnSync('mkdir', ['-p', conf]);
    writeFileSync(join(conf, 'lvm.conf'), `devices {\n\tglobal_filter = [ ${loops.map((l) => `"a|^${l}$|"`).join(', ')}, "r|.*|" ]\n\thints = "none"\n}\n`);
    const l = spawnSync('lvm', ['vgs', '--noheadings', '-o', 'vg_name,pv_count,lv_count,vg_size,vg_free'], { encoding: 'utf8', env: { ...process.env, LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1' } });
    assert.equal(l.status, 0, l.stderr);
    assert.equal(l.stdout, '  lab-vg1   1   1 24.00m  4.00m\n  lab-vg2   2   0 48.00m 48.00m\n');
    const ck = spawnSync('lvm', ['vgck'], { encoding: 'utf8', env: { ...process.env, LVM_SYSTEM_DIR: conf, LVM_SUPPRESS_FD_WARNINGS: '1' } });
    assert.equal(ck.status, 0, ck.stderr);
  } finally {
    for (const l of loops) spawnSync('losetup', ['-d', l]);
  }
});

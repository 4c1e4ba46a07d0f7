// vgsplit, vgmerge and vgexport with in-process activation and classic snapshots (which real
// lvm2 cannot make here without device-mapper): active LVs are refused, a snapshot is never split
// from its origin, and a refusal writes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSession } from '../helpers/engine-session.ts';

const DEVS = ['/dev/sda1', '/dev/sda2', '/dev/sda3'];

test('active LVs and split snapshots are refused; nothing is written then', async () => {
  const { s, ok } = await engineSession(DEVS);
  const seq = async (vg: string) => Number((await ok(`vgs --noheadings -o vg_seqno ${vg}`)).trim());
  const refused = async (line: string, stderr: string) => {
    const before = await seq('vg');
    const r = (await s.run(line))!;
    assert.deepEqual([r.stderr, r.rc], [stderr, 5], line);
    assert.equal(await seq('vg'), before, `${line}: nothing written`);
  };
  try {
    await refused('vgexport vg', '  Volume group "vg" has active logical volumes\n');
    await refused('vgsplit vg vb /dev/sda1', '  Logical volume vg/lvol0 must be inactive.\n');
    await ok('lvcreate -s -L 4M -n snap vg/lvol0 /dev/sda2');
    await ok('lvchange -an vg/lvol0');
    // The COW store alone, or the origin alone, would leave the snapshot in two VGs.
    await refused('vgsplit vg vb /dev/sda2', "  Can't split snapshot snap between two Volume Groups\n");
    await refused('vgsplit vg vb /dev/sda1', "  Can't split snapshot snap between two Volume Groups\n");
    assert.equal(await ok('vgsplit vg vb /dev/sda1 /dev/sda2'), '  New volume group "vb" successfully split from "vg"\n');
    assert.equal(await ok('lvs --noheadings -o lv_name,vg_name,origin vb'), '  lvol0 vb       \n  snap  vb lvol0 \n');
    assert.equal(await ok('lvs --noheadings -o lv_name vg'), '');
    await ok('vgchange -ay vb');
    const r = (await s.run('vgmerge vg vb'))!;
    assert.deepEqual([r.stderr, r.rc], ['  Logical volumes in "vb" must be inactive\n', 5]);
    await ok('vgchange -an vb');
    assert.equal(await ok('vgmerge vg vb'), '  Volume group "vb" successfully merged into "vg"\n');
    assert.equal(await ok('lvs --noheadings -o lv_name,origin vg'), '  lvol0       \n  snap  lvol0 \n');
    // -n takes the PVs the LV uses: here the origin's and (through the snapshot) nothing else.
    const n = (await s.run('vgsplit -n lvol0 vg vc'))!;
    assert.deepEqual([n.stderr, n.rc], ["  Can't split snapshot snap between two Volume Groups\n", 5]);
  } finally {
    s.close();
  }
});

test('vgexport then vgimport through the commands: exported attrs on the VG and its PVs, refusals, and back', async () => {
  const { s, ok } = await engineSession(DEVS);
  try {
    await ok('vgchange -an vg');
    assert.equal(await ok('vgexport vg'), '  Volume group "vg" successfully exported\n');
    assert.equal(await ok('vgs --noheadings -o vg_attr vg'), '  wzx-n-\n');
    assert.equal(await ok('pvs --noheadings -o pv_attr /dev/sda1'), '  ax- \n');
    assert.equal((await s.run('lvchange -ay vg/lvol0'))!.stderr, '  Volume group vg is exported\n');
    assert.equal(await ok('vgimport vg'), '  Volume group "vg" successfully imported\n');
    assert.equal(await ok('vgs --noheadings -o vg_attr vg'), '  wz--n-\n');
  } finally {
    s.close();
  }
});

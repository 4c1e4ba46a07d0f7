// A PV on two devices (a disk image copied with dd, a second path to one disk): lvm2 uses one,
// says which and why, shows the other only with -a (attr d--), and neither changes nor activates
// the VG, nor lets the copy be made a new PV. Real lvm2 and ulvm run side by side on the same loop
// devices; every refusal is checked to leave the VG as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, ok } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';

const D = ['--driverloaded', 'n'];

test('duplicate PVs: lvm2s choice, warnings, listings and refusals, as lvm2 does them', { skip: labSkipReason() }, async (t) => {
  const lab = Lab.create(t, 3, 16);
  const [a, b, c] = lab.loops as [string, string, string];
  // lvm2's hints file (outside the lab) would hide the copy from some commands: scan every time.
  const conf = join(lab.dir, 'etc-lvm', 'lvm.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace('devices {', 'devices {\n\thints = "none"'));
  ok(lab.lvm('pvcreate', [a, c]), 'pvcreate');
  ok(lab.lvm('vgcreate', [...D, 'vgd', a]), 'vgcreate');
  ok(lab.lvm('lvcreate', [...D, '-an', '-Zn', '-L', '4m', '-n', 'l1', 'vgd']), 'lvcreate');
  const dd = spawnSync('dd', [`if=${a}`, `of=${b}`, 'bs=1M', 'oflag=direct', 'status=none']);
  assert.equal(dd.status, 0, String(dd.stderr));
  const state = () => ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_name,vg_seqno,lv_count,pv_count,vg_tags', '--devices', a]), 'state').stdout;
  const before = state();

  const cases: string[][] = [
    ['pvs'],
    ['pvs', '-a'],
    ['pvs', b],
    ['pvs', '-o', '+pv_uuid'],
    ['lvs', '-o', '+devices'],
    ['vgck', 'vgd'],
    ['vgchange', '--addtag', 't', 'vgd'],
    ['pvchange', '--addtag', 'x', a],
    ['pvcreate', '-ff', '-y', b],
    ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l2', 'vgd'],
    ['vgextend', 'vgd', c],
    ['lvremove', '-f', 'vgd/l1'],
    ['vgchange', '-ay', 'vgd'],
    ['lvchange', '-ay', 'vgd/l1'],
    ['pvremove', '-ff', '-y', b],
    ['vgs'],
  ];
  for (const args of cases) {
    const want = lab.lvm(args[0]!, [...D, ...args.slice(1)]);
    const got = await lab.ulvm(args[0]!, [...D, ...args.slice(1)]);
    const what = args.join(' ');
    assert.equal(got.rc, want.rc, `${what}: rc lvm2=${want.rc} ulvm=${got.rc}\n${got.stderr}`);
    assert.equal(got.stdout, want.stdout, `${what}: stdout\n${lineDiff(want.stdout, got.stdout)}`);
    assert.equal(got.stderr, want.stderr, `${what}: stderr\n${lineDiff(want.stderr, got.stderr)}`);
    assert.equal(state(), before, `${what} changed the VG`);
  }
  // lvm2 2.03.16's vgrename prints the refusal but exits 0 (its _single reports the failure only
  // in the message); ulvm refuses with the same line and rc 5.
  const ren = await lab.ulvm('vgrename', [...D, 'vgd', 'vgz']);
  assert.equal(ren.rc, 5);
  assert.match(ren.stderr, /Cannot update volume group vgz with duplicate PV devices\./);
  assert.equal(state(), before, 'vgrename changed the VG');
  // Once the copy is gone, all is as before.
  lab.writeDevice(1, 0, new Uint8Array(1024 * 1024));
  const after = await lab.ulvm('lvcreate', [...D, '-an', '-Zn', '-L', '4m', '-n', 'l2', 'vgd']);
  assert.equal(after.rc, 0, after.stderr);
  assert.doesNotMatch(after.stderr, /duplicate/);
});

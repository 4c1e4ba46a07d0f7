// lvcreate -s where lvm2 can answer without a device-mapper (this host has none): the same
// refusals, messages, streams and exit codes from ulvm and from real lvm2 on the same loop
// device, and neither changes the VG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';

const fmt = (r: Result) => `--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`;

const CASES: string[][] = [
  ['-s', '-L', '10M', '-n', 'snap', 'vgs/lvol0'],
  ['-s', '-L', '8M', '-n', 'snap', 'vgs/nosuch'],
  ['-s', '-Zn', '-L', '8M', '-n', 'snap', 'vgs/lvol0'],
  ['-s', '-c', '3k', '-L', '8M', '-n', 'snap', 'vgs/lvol0'],
  ['-s', '-c', '1024k', '-L', '8M', '-n', 'snap', 'vgs/lvol0'],
  ['-s', '-L', '8M', '-n', 'snapshot1', 'vgs/lvol0'],
];

test('lvcreate -s refusals match real lvm2 on the same device', async (t) => {
  const skip = labSkipReason();
  if (skip) return t.skip(skip);
  const lab = Lab.create(t, 1, 64);
  const [a] = lab.loops as [string];
  ok(lab.lvm('pvcreate', [a]), 'pvcreate');
  ok(lab.lvm('vgcreate', ['vgs', a]), 'vgcreate');
  ok(lab.lvm('lvcreate', ['--driverloaded', 'n', '-an', '-Zn', '-L', '20M', '-n', 'lvol0', 'vgs']), 'lvcreate');
  const seqno = () => lab.lvm('vgs', ['--noheadings', '-o', 'vg_seqno', 'vgs']).stdout.trim();
  const before = seqno();
  for (const args of CASES) {
    const full = ['--driverloaded', 'n', ...args];
    const l = lab.lvm('lvcreate', full);
    const u = await lab.ulvm('lvcreate', full);
    assert.equal(fmt(u), fmt(l), `lvcreate ${full.join(' ')}`);
    assert.notEqual(l.rc, 0);
  }
  assert.equal(seqno(), before, 'no metadata was written');
});

// lvm.conf settings (given with --config) that change what commands do, compared with real lvm2:
// vgcfgbackup backs up whatever backup/backup says, a metadata change with backup/backup=0 warns
// it is not backed up, global/units is checked and used, report/headings and report/<type>_cols
// shape reports, devices/pv_min_size keeps small devices out, log/prefix starts every line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['pvcreate', 'A'],
  ['vgcreate', 'vb', 'A'],
  ['vgcfgbackup', '--config', 'backup/backup=0', 'vb'],
  ['lvcreate', '--config', 'backup/backup=0', '-an', '-Zn', '-L', '4m', 'vb'],
  ['vgchange', '--config', 'backup/archive=0', '--addtag', 'x', 'vb'],
  ['lvs', '--config', 'global/units=q'],
  ['lvs', '--config', 'global/units=k'],
  ['vgs', '--config', 'global/units=s', '--units', 'm'],
  ['vgs', '--config', 'report/headings=0'],
  ['vgs', '--config', 'report/compact_output=1', '-o', '+vg_tags'],
  ['pvs', '--config', 'report/pvs_cols="pv_name,pv_size"'],
  ['lvs', '--config', 'report/lvs_cols="lv_name,lv_size" report/lvs_sort="-lv_name"', '-o', '+vg_name'],
  ['vgcreate', '--config', 'devices/pv_min_size=20480', 'vq', 'B'],
  ['pvcreate', '--config', 'devices/pv_min_size=20480', 'B'],
  // log/prefix replaces lvm2's two spaces before every message and report line.
  ['vgs', '--config', 'log/prefix="XX "'],
  ['lvs', '--config', 'log/prefix="XX "', 'nosuch'],
  ['vgdisplay', '--config', 'log/prefix="XX "', '-c'],
  ['lvcreate', '--config', 'log/prefix="XX "', '-an', '-Zn', '-L', '4m', '-n', 'bad/x', 'vb'],
  ['vgs', '--config', 'log/prefix="XX "', '--reportformat', 'json'],
  ['lvcreate', '--config', 'log/prefix="XX "', '-an', '-Zn', '-L', '4m', 'vb'],
];

test('lvm.conf settings through --config: backups, units, report defaults, pv_min_size, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 2);
  const got = await transcript(t, 'ulvm', STEPS, 2);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Unrecognised configuration setting for global\/units: q/);
  assert.match(want, /device is too small \(pv_min_size\)/);
});

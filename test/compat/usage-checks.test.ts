// Command-line and request checks lvm2 makes before it changes anything, compared with real
// lvm2: a VG cannot inherit an allocation policy, lvcreate takes a VG (no slash) and -L or -l
// (not both), lvextend not both either, vgchange -an takes no --poll/--monitor, and lvchange takes
// a VG for all its LVs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const LV = ['-an', '-Zn'];
const STEPS: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['vgcreate', '--alloc', 'inherit', 'vgx', 'A'],
  ['vgcreate', 'vgs1', 'A', 'B'],
  ['lvcreate', ...LV, '-L', '4m', 'vgs1/lvp'],
  ['lvcreate', ...LV, '-L', '4m', '-l', '2', '-n', 'lx', 'vgs1'],
  ['lvchange', '-an', 'vgs1'],
  ['lvchange', '-ay', 'vgs1'],
  ['lvcreate', ...LV, '-l', '1', '-n', 'l1', 'vgs1'],
  ['lvcreate', ...LV, '-l', '1', '-n', 'l2', 'vgs1'],
  ['lvchange', '-an', 'vgs1'],
  ['lvchange', '-p', 'r', 'vgs1'],
  ['lvchange', '-an', 'nosuch'],
  ['vgchange', '--alloc', 'inherit', 'vgs1'],
  ['vgchange', '--alloc', 'contiguous', 'vgs1'],
  ['lvextend', '-l', '10', '-L', '64m', 'vgs1/l1'],
  ['vgchange', '-an', '--poll', 'y', 'vgs1'],
  ['vgchange', '-an', '--monitor', 'y', 'vgs1'],
  ['vgchange', '--sysinit', '--poll', 'y', 'vgs1'],
  ['lvs', '-o', 'lv_name,lv_attr'],
  ['vgs', '-o', 'vg_name,vg_attr'],
];

test('usage checks before any change: alloc inherit, lvcreate VG/LV and -L with -l, lvchange of a whole VG', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 2);
  const got = await transcript(t, 'ulvm', STEPS, 2);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Volume Group allocation policy cannot inherit from anything/);
  assert.match(want, /Volume group name expected \(no slash\)/);
  assert.match(want, /Please specify either size or extents but not both\./);
  assert.match(want, /Only -ay\* allowed with --monitor or --poll\./);
});

// What a VG's metadata says it may hold is enforced as lvm2 enforces it: a VG made
// non-resizeable (`vgchange -x n`) takes no PVs in or out, `-l` caps its LVs (snapshots count),
// `-p` its PVs, and vgchange refuses to set a limit below what the VG already holds. The same
// sequence runs under real lvm2 and under ulvm, each on fresh loop devices; outputs must match
// with device names and uuids normalised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';
const LV = ['-an', '-Zn', '-L', '4m'];

/** Steps; `A`..`D` stand for the lab's four devices. */
const STEPS: string[][] = [
  ['pvcreate', 'A', 'B', 'C', 'D'],
  ['vgcreate', 'vgx', 'A', 'B'],
  ['vgchange', '-x', 'n', 'vgx'],
  ['vgchange', '-x', 'n', 'vgx'],
  ['vgextend', 'vgx', 'C'],
  ['vgreduce', 'vgx', 'B'],
  ['vgreduce', '--all', 'vgx'],
  ['vgs', '-o', 'vg_name,vg_attr,pv_count'],
  // LVs still come and grow in a non-resizeable VG; only its PVs are fixed.
  ['lvcreate', ...LV, '-n', 'l1', 'vgx'],
  ['lvextend', '-L+4m', 'vgx/l1'],
  ['pvresize', 'A'],
  ['vgchange', '-l', '5', 'vgx'],
  ['vgchange', '-p', '5', 'vgx'],
  ['vgchange', '-x', 'y', 'vgx'],
  ['vgchange', '-x', 'y', 'vgx'],
  ['vgextend', 'vgx', 'C'],
  ['vgcreate', '-l', '2', 'vgl', 'D'],
  ['lvcreate', ...LV, '-n', 'm1', 'vgl'],
  ['lvcreate', ...LV, '-n', 'm2', 'vgl'],
  ['lvcreate', ...LV, '-n', 'm3', 'vgl'],
  ['vgchange', '-l', '1', 'vgl'],
  ['vgchange', '-l', '3', 'vgl'],
  ['lvcreate', ...LV, '-n', 'm3', 'vgl'],
  ['lvcreate', ...LV, '-n', 'm4', 'vgl'],
  ['lvcreate', '-s', '-L', '4m', '-n', 's1', 'vgl/m1'],
  ['vgs', '-o', 'vg_name,max_lv,lv_count,max_pv', 'vgl'],
  ['vgdisplay', 'vgl'],
  ['vgchange', '-l', '0', 'vgl'],
  ['lvcreate', ...LV, '-n', 'm4', 'vgl'],
  ['vgs', '-o', 'vg_name,max_lv,lv_count', 'vgl'],
  ['vgremove', '-f', 'vgx'],
  ['vgcreate', '-p', '1', 'vgp', 'A'],
  ['vgextend', 'vgp', 'B'],
  ['vgchange', '-p', '2', 'vgp'],
  ['vgextend', 'vgp', 'B'],
  ['vgextend', 'vgp', 'C'],
  ['vgchange', '-p', '1', 'vgp'],
  ['vgs', '-o', 'vg_name,max_pv,pv_count', 'vgp'],
];

test('VG limits and the resizeable flag: vgextend/vgreduce/vgchange/lvcreate as lvm2 enforces them', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS);
  const got = await transcript(t, 'ulvm', STEPS);
  assert.equal(got, want, lineDiff(want, got));
  // The transcript itself shows the refusals (a sequence where nothing is refused would pass too).
  assert.match(want, /Volume group vgx is not resizeable\./);
  assert.match(want, /Maximum number of logical volumes \(3\) reached in volume group vgl/);
  assert.match(want, /No space for 'B' - volume group 'vgp' holds max 1 physical volume\(s\)\./);
});

// vgsplit and vgmerge as lvm2 has them: new and existing destinations, -n LV, the new VG's
// settings (-l, -p, --alloc) and their refusal for an existing one, an LV on both sides, PVs not
// in the VG, name and extent-size clashes, exported VGs, the seqnos the three writes of a split
// leave, and lvm2's warning as it writes over another VG's older metadata. Compared with real lvm2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['pvcreate', 'A', 'B', 'C', 'D'],
  ['vgcreate', 'va', 'A', 'B', 'C'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va', 'A'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l2', 'va', 'B'],
  ['lvcreate', '-an', '-Zn', '-l', '4', '-n', 'span', 'va', 'B', 'C'],
  ['vgsplit', 'va', 'vb', 'C'],
  ['vgsplit', 'va', 'vb', 'B'],
  ['vgsplit', 'va', 'va', 'A'],
  ['vgsplit', 'va', 'vb'],
  ['vgsplit', 'va', 'vb', 'D'],
  ['vgsplit', 'va', 'vb', 'nosuch'],
  ['vgsplit', 'nosuch', 'vb', 'A'],
  ['vgsplit', 'va', 'bad/name', 'A'],
  ['lvremove', '-f', 'va/span'],
  ['vgsplit', '-l', '10', '-p', '5', '--alloc', 'anywhere', 'va', 'vb', 'C'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,max_lv,max_pv,vg_allocation_policy,vg_seqno,vg_attr'],
  ['lvs', '-o', 'lv_name,vg_name,lv_attr'],
  ['vgsplit', '-l', '10', 'va', 'vb', 'B'],
  ['vgsplit', 'va', 'vb', 'B'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,vg_seqno,vg_attr'],
  ['vgsplit', '-n', 'l1', 'va', 'vc'],
  ['vgsplit', '-n', 'nosuch', 'vb', 'vc'],
  ['vgsplit', '-n', 'l2', 'vb', 'vc', 'B'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,vg_seqno'],
  ['pvs'],
  ['vgsplit', 'vc', 'vb', 'A'],
  ['vgs'],
  ['vgcreate', '-s', '8m', 'vd', 'D'],
  ['vgmerge', 'vb', 'vd'],
  ['vgmerge', 'vb', 'vb'],
  ['vgmerge', 'vb'],
  ['vgmerge', 'vb', 'nosuch'],
  ['vgmerge', 'nosuch', 'vb'],
  ['vgremove', 'vd'],
  ['vgcreate', 'vd', 'D'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l2', 'vd'],
  ['vgmerge', 'vb', 'vd'],
  ['lvrename', 'vd', 'l2', 'l9'],
  ['vgmerge', '-l', 'vb', 'vd'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,vg_seqno'],
  ['lvs', '-o', 'lv_name,vg_name'],
  ['vgmerge', '-v', 'vb', 'vc'],
  ['vgexport', 'vb'],
  ['vgsplit', 'vb', 'vx', 'A'],
  ['vgmerge', 'vb', 'vx'],
];

test('vgsplit/vgmerge: moves, refusals and messages, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 4);
  const got = await transcript(t, 'ulvm', STEPS, 4);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Existing volume group "vb" successfully split from "va"/);
  assert.match(want, /Volume group "vd" successfully merged into "vb"/);
});

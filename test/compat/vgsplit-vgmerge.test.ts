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

// Metadata areas: a side left with none is refused; -M lvm2; what a refused split leaves.
const MDAS: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['pvcreate', '--pvmetadatacopies', '0', 'C'],
  ['pvcreate', 'D'],
  ['vgcreate', 'va', 'A', 'B', 'C'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va', 'C'],
  ['vgsplit', 'va', 'vb', 'C'],
  ['vgsplit', '-c', 'y', 'va', 'vb', 'B'],
  ['vgsplit', '-M', 'lvm2', 'va', 'vb', 'B'],
  ['vgsplit', '--vgmetadatacopies', '1', 'va', 'vc', 'C', 'B'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,vg_mda_copies,vg_mda_count'],
  ['vgsplit', 'va', 'vb', 'A'],
  ['vgsplit', '-n', 'l1', 'va', 'vx'],
  ['vgsplit', '-l', '1', 'va', 'vx', 'B'],
  ['vgs', '-o', 'vg_name,max_lv'],
];

// The new VG's -p/-l/--vgmetadatacopies/--alloc, and the limits of an existing destination.
const LIMITS: string[][] = [
  ['pvcreate', 'A', 'B', 'C', 'D'],
  ['vgcreate', 'va', 'A', 'B', 'C', 'D'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va', 'A'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l2', 'va', 'B'],
  ['vgsplit', '-p', '1', 'va', 'vn', 'A', 'B'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,max_pv,vg_mda_copies'],
  ['vgsplit', '--vgmetadatacopies', '2', 'vn', 'vm', 'B'],
  ['vgs', '-o', 'vg_name,pv_count,lv_count,max_pv,vg_mda_copies'],
  ['vgmerge', 'vn', 'vm'],
  ['vgchange', '-l', '1', 'va'],
  ['vgsplit', 'va', 'vn', 'C'],
  ['vgmerge', 'va', 'vn'],
  ['vgmerge', 'vn', 'va'],
  ['vgchange', '-l', '0', 'vn'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'vm'],
  ['vgmerge', 'vn', 'vm'],
  ['vgsplit', '-n', 'l1', 'vm', 'va'],
  ['vgsplit', 'vm', 'va', 'B'],
  ['lvs', '-o', 'lv_name,vg_name'],
  ['vgsplit', '--alloc', 'inherit', 'va', 'vz', 'B'],
];

// -M takes lvm2 (or 2) only; -A n leaves the backup be.
const OPTIONS: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['vgcreate', 'va', 'A', 'B'],
  ['vgsplit', '-M', 'lvm1', 'va', 'vb', 'B'],
  ['vgsplit', '-M', '2', 'va', 'vb', 'B'],
  ['vgsplit', '--metadatatype', 'lvm2', '-A', 'n', 'va', 'vb', 'B'],
  ['vgmerge', '-A', 'n', 'va', 'vb'],
  ['vgs', '-o', 'vg_name,pv_count'],
];

for (const [name, steps] of [['metadata areas', MDAS], ['limits', LIMITS], ['-M and -A', OPTIONS]] as const)
  test(`vgsplit/vgmerge: ${name}, as lvm2`, { skip: labSkipReason() }, async (t) => {
    const want = await transcript(t, 'lvm2', steps, 4);
    const got = await transcript(t, 'ulvm', steps, 4);
    assert.equal(got, want, lineDiff(want, got));
    assert.match(want, /successfully split from/);
  });

test('vgsplit/vgmerge: moves, refusals and messages, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 4);
  const got = await transcript(t, 'ulvm', STEPS, 4);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Existing volume group "vb" successfully split from "va"/);
  assert.match(want, /Volume group "vd" successfully merged into "vb"/);
});

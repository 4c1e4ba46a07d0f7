// vgexport and vgimport as lvm2 has them: the exported flag on the VG and its PVs (attrs `x`,
// pvscan's "is in exported VG"), the refusals of every command not allowed an exported VG (named:
// an error; found on the way: passed over), -a, and vgimport of a VG that is not exported.
// Compared with real lvm2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const BASICS: string[][] = [
  ['pvcreate', 'A', 'B', 'C'],
  ['vgcreate', 'va', 'A', 'B'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va'],
  ['vgimport', 'va'],
  ['vgexport'],
  ['vgexport', '-a', 'va'],
  ['vgexport', 'va'],
  ['vgexport', 'va'],
  ['vgs'],
  ['pvs'],
  ['pvscan'],
  ['vgchange', '-ay', 'va'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l2', 'va'],
  ['lvs'],
  ['vgdisplay', 'va'],
  ['vgrename', 'va', 'vb'],
  ['vgremove', 'va'],
  ['lvremove', 'va/l1'],
  ['vgextend', 'va', 'C'],
  ['vgimport', '-a'],
  ['vgs'],
  ['vgimport', 'va'],
  ['vgexport', '-a'],
  ['vgimport', 'nosuch'],
  ['vgexport', 'nosuch'],
];

const REFUSALS: string[][] = [
  ['pvcreate', 'A', 'B', 'C'],
  ['vgcreate', 'va', 'A', 'B'],
  ['vgcreate', 'vc', 'C'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va'],
  ['vgexport', 'va', 'vc'],
  ['lvs'],
  ['lvs', 'va'],
  ['lvs', 'va/l1'],
  ['lvscan'],
  ['lvdisplay', 'va'],
  ['vgchange', '-ay'],
  ['vgchange', '--addtag', 't'],
  ['vgchange', '-ay', 'va'],
  ['lvchange', '-ay', 'va/l1'],
  ['lvremove', 'va/l1'],
  ['lvrename', 'va', 'l1', 'l2'],
  ['lvextend', '-L+4m', 'va/l1'],
  ['vgreduce', 'va', 'B'],
  ['vgremove', 'vc'],
  ['vgck', 'va'],
  ['pvresize', 'A'],
  ['pvchange', '-a', '--addtag', 'x'],
  ['pvchange', '-x', 'n', 'A'],
  ['vgcfgbackup', 'va'],
  ['vgscan'],
  ['pvdisplay', 'A'],
  ['vgs', '-o', 'vg_name,vg_exported'],
  ['pvs', '-o', 'pv_name,pv_exported'],
  ['pvscan', '-e'],
  ['vgimport', 'va', 'vc', 'nosuch'],
  ['vgimport', 'va'],
  ['lvs'],
];

test('vgexport/vgimport: flags, attrs, -a, errors, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', BASICS, 3);
  const got = await transcript(t, 'ulvm', BASICS, 3);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Volume group "vb" successfully imported/);
});

test('vgexport: what the other commands say about an exported VG, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', REFUSALS, 3);
  const got = await transcript(t, 'ulvm', REFUSALS, 3);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Cannot use PV A in exported VG va\./);
});

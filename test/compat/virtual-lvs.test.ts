// zero and error LVs (lvcreate --type zero|error): virtual, taking no extents, reported with the
// 'v' attrs, grown and shrunk in place, as lvm2 makes them. Compared with real lvm2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['pvcreate', 'A'],
  ['vgcreate', 'vz', 'A'],
  ['lvcreate', '-an', '-Zn', '--type', 'zero', '-L', '100m', '-n', 'z', 'vz'],
  ['lvcreate', '-an', '-Zn', '--type', 'error', '-L', '8m', '-n', 'e', 'vz'],
  ['lvcreate', '--type', 'zero', '-L', '8m', '-n', 'z2', 'vz'],
  ['lvs', '-o', 'lv_name,lv_attr,lv_size,segtype,devices,seg_pe_ranges'],
  ['vgs'],
  ['lvextend', '-L', '+8m', 'vz/z'],
  ['lvreduce', '-f', '-L', '-8m', 'vz/e'],
  ['lvreduce', '-f', '-L', '-4m', 'vz/z2'],
  ['lvs', '-o', 'lv_name,lv_attr,lv_size,segtype,seg_count'],
  ['lvremove', '-f', 'vz/z', 'vz/e'],
  ['vgs'],
];

test('zero and error LVs: created, reported, resized and removed as lvm2 does', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 1);
  const got = await transcript(t, 'ulvm', STEPS, 1);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /z +vwi-XXv--- 100\.00m zero/);
});

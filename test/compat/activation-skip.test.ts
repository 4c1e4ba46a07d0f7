// Activation skip (lvcreate/lvchange -k, the 'k' attr, lv_skip_activation) as lvm2 records and
// reports it. Compared with real lvm2 (metadata only); test/unit/activation-skip.test.ts checks
// what activation then does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['pvcreate', 'A'],
  ['vgcreate', 'vk', 'A'],
  ['lvcreate', '-an', '-Zn', '-ky', '-L', '4m', '-n', 'k1', 'vk'],
  ['lvcreate', '-an', '-Zn', '--setactivationskip', 'n', '-L', '4m', '-n', 'k2', 'vk'],
  ['lvs', '-o', 'lv_name,lv_attr,lv_skip_activation'],
  ['lvchange', '-ky', 'vk/k2'],
  ['lvchange', '-ky', 'vk/k2'],
  ['lvchange', '-kn', 'vk/k1'],
  ['lvs', '-o', 'lv_name,lv_attr,lv_skip_activation'],
  ['lvchange', '--setactivationskip', 'y', '--addtag', 't', 'vk'],
  ['lvs', '-o', 'lv_name,lv_attr,lv_tags'],
  ['lvdisplay', '-c', 'vk'],
  ['vgchange', '-ay', 'vk'],
  ['vgchange', '-ay', '-K', 'vk'],
  ['lvchange', '-ay', 'vk/k1'],
];

test('activation skip flags as lvm2 sets and reports them', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 1);
  const got = await transcript(t, 'ulvm', STEPS, 1);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /k1 +-wi-XX---k skip activation/);
});

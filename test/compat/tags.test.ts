// Tags as lvm2 uses them: @tag arguments pick what carries the tag (for LVs also every LV of a
// VG carrying it) in reports, displays, vgchange, lvchange and lvremove; --addtag/--deltag on VGs,
// LVs and PVs; -S tag selections. Compared with real lvm2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const LV = ['-an', '-Zn', '-L', '4m'];
const STEPS: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['vgcreate', '--addtag', 'fast', 'va', 'A'],
  ['vgcreate', 'vb', 'B'],
  ['lvcreate', ...LV, '--addtag', 'db', '-n', 'l1', 'va'],
  ['lvcreate', ...LV, '-n', 'l2', 'vb'],
  ['lvcreate', ...LV, '--addtag', 'db', '-n', 'l3', 'vb'],
  ['pvchange', '--addtag', 'ssd', 'A'],
  ['vgs', '@fast'],
  ['vgs', '@nosuch'],
  ['vgs', '@fast', 'vb'],
  ['lvs', '@db'],
  ['lvs', '@fast'],
  ['pvs', '@ssd'],
  ['vgdisplay', '-c', '@fast'],
  ['lvs', '-S', 'tags=db'],
  ['lvs', '-S', 'lv_tags=db'],
  ['vgs', '-S', 'vg_tags=fast'],
  ['pvs', '-S', 'pv_tags=ssd'],
  ['vgchange', '--addtag', 'x', '@fast'],
  ['vgs', '-o', 'vg_name,vg_tags'],
  ['lvchange', '--addtag', 'y', '@db'],
  ['lvs', '-o', 'lv_name,lv_tags'],
  ['lvchange', '--deltag', 'y', 'va/l1'],
  ['lvs', '-o', 'lv_name,lv_tags'],
  ['vgchange', '--deltag', 'x', 'va'],
  ['pvs', '-o', 'pv_name,pv_tags'],
  ['lvremove', '-f', '@db'],
  ['lvs'],
];

test('tags: @tag arguments, --addtag/--deltag and tag selections, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 2);
  const got = await transcript(t, 'ulvm', STEPS, 2);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Logical volume "l3" successfully removed/);
});

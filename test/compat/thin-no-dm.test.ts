// Without device-mapper (--driverloaded n, as lvm2 runs on this host) lvm2 refuses thin pools and
// thin LVs at its own points, printing what it got to first; ulvm must refuse the same way and
// change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['vgcreate', 'vgt', 'A', 'B'],
  ['lvcreate', '-an', '-Zn', '-T', '-L', '8M', 'vgt/pool'],
  ['lvcreate', '-an', '-Zn', '--type', 'thin-pool', '-L', '8M', '-n', 'p2', 'vgt'],
  ['lvcreate', '-an', '-V', '20M', '-T', 'vgt/pool', '-n', 't1'],
  ['lvcreate', '-an', '-Zn', '-n', 'm', '-L', '4M', 'vgt'],
  ['lvcreate', '-an', '-Zn', '-n', 'd', '-L', '8M', 'vgt'],
  ['lvconvert', '-y', '--type', 'thin-pool', '--poolmetadata', 'vgt/m', 'vgt/d'],
  ['lvs', '-a', '-o', 'lv_name,lv_attr,lv_size', 'vgt'],
  ['vgs', '-o', 'vg_name,lv_count,vg_free', 'vgt'],
];

test('thin requests without device-mapper: refused as lvm2 refuses them, nothing changed', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 2);
  const got = await transcript(t, 'ulvm', STEPS, 2);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Can't create thin-pool without using device-mapper kernel driver\./);
});

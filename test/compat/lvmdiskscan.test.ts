// lvmdiskscan as lvm2 prints it for the devices it may use: sizes, which are PVs (exported ones
// too), the counts (names ending in a digit are partitions), -l, and the options it has not.
// Compared with real lvm2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { transcript } from '../helpers/transcript.ts';

const STEPS: string[][] = [
  ['lvmdiskscan'],
  ['pvcreate', 'A', 'C'],
  ['lvmdiskscan'],
  ['lvmdiskscan', '-l'],
  ['vgcreate', 'va', 'A'],
  ['vgexport', 'va'],
  ['lvmdiskscan', '-l', '-v'],
  ['lvmdiskscan', '-s'],
  ['lvmdiskscan', '--units', 'k'],
  ['lvmdiskscan', '-q'],
];

test('lvmdiskscan: devices, PVs and counts, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', STEPS, 4);
  const got = await transcript(t, 'ulvm', STEPS, 4);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /2 LVM physical volumes/);
});

// fullreport against real lvm2 on loop devices: per VG the VG, PV, LV, PV segment and LV segment
// reports with all their fields, then the orphan PVs; for a named VG only; with --separator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transcript } from '../helpers/transcript.ts';
import { labSkipReason } from '../helpers/lab.ts';

const skip = labSkipReason();

// Creation times and the loop devices' minors (and with them the column widths) can differ
// between the two labs (and with the order, which JSON row is the last, without a comma); rows sorted by uuid (pvseg, seg) come in the
// order of uuids that differ too: each step's lines are compared as a sorted list.
const mask = (s: string) =>
  s
    .split(/(?=^\$ )/m)
    .map((step) => step.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME').replace(/([ABC][ :]+7[ :]+)\d+/g, '$1MINOR').replace(/ +/g, ' ').replace(/\},$/gm, '}').split('\n').sort().join('\n'))
    .join('\n');

test('fullreport: every field of the five reports per VG, as lvm2', { skip, timeout: 120_000 }, async (t) => {
  const steps = [
    ['pvcreate', 'A', 'B', 'C'],
    ['vgcreate', 'vg1', 'A', 'B'],
    ['lvcreate', '-an', '-Zn', '-L', '4M', '-n', 'l1', 'vg1'],
    ['lvcreate', '-an', '-Zn', '-i', '2', '-L', '8M', '-n', 'str', 'vg1'],
    ['fullreport'],
    ['fullreport', 'vg1'],
    ['fullreport', '--noheadings', '--separator', ':', 'vg1'],
    ['fullreport', 'nosuchvg'],
    ['fullreport', '--reportformat', 'json'],
  ];
  const lvm2 = await transcript(t, 'lvm2', steps, 3);
  const ulvm = await transcript(t, 'ulvm', steps, 3);
  if (process.env.ULVM_DUMP) { (await import('node:fs')).writeFileSync('/tmp/fr-lvm2.txt', mask(lvm2)); (await import('node:fs')).writeFileSync('/tmp/fr-ulvm.txt', mask(ulvm)); }
  assert.equal(mask(ulvm), mask(lvm2));
});

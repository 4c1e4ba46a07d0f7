// vgexport and vgimport as lvm2 has them: the exported flag on the VG and its PVs (attrs `x`,
// pvscan's "is in exported VG"), the refusals of every command not allowed an exported VG (named:
// an error; found on the way: passed over), -a, and vgimport of a VG that is not exported.
// Compared with real lvm2.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labSkipReason } from '../helpers/lab.ts';
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

/** Runs steps under lvm2 or ulvm; `['@wipe', 'B']` zeroes a device's first MiB (its PV label goes). */
async function withWipes(t: TestContext, who: 'lvm2' | 'ulvm', steps: string[][]): Promise<string> {
  const lab = Lab.create(t, 2, 16);
  const dev = (a: string) => (/^[AB]$/.test(a) ? lab.loops['AB'.indexOf(a)]! : a);
  const norm = (s: string) =>
    s
      .replace(/\/dev\/loop\d+/g, (m) => 'AB'[lab.loops.indexOf(m)] ?? m)
      .replace(/[0-9a-zA-Z]{6}(-[0-9a-zA-Z]{4}){5}-[0-9a-zA-Z]{6}/g, '<uuid>')
      .replace(/.*WARNING: Activation disabled.*\n/g, '');
  let out = '';
  try {
    for (const step of steps) {
      if (step[0] === '@wipe') {
        lab.writeDevice('AB'.indexOf(step[1]!), 0, new Uint8Array(1024 * 1024));
        continue;
      }
      const args = ['--driverloaded', 'n', ...step.slice(1).map(dev)];
      const r = who === 'lvm2' ? lab.lvm(step[0]!, args) : await lab.ulvm(step[0]!, args);
      out += `$ ${step.join(' ')}  [rc ${r.rc}]\n${norm(r.stdout)}--- stderr\n${norm(r.stderr)}`;
    }
  } finally {
    lab.destroy();
  }
  return out;
}

const MISSING: string[][] = [
  ['pvcreate', 'A', 'B'],
  ['vgcreate', 'va', 'A', 'B'],
  ['vgexport', 'va'],
  ['@wipe', 'B'],
  ['vgimport', 'va'],
  ['vgimport', '--force', 'va'],
  ['vgs', '-o', 'vg_name,vg_attr'],
];

test('vgimport of a VG with a missing PV: refused, then --force imports it partial, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await withWipes(t, 'lvm2', MISSING);
  const got = await withWipes(t, 'ulvm', MISSING);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /WARNING: Volume groups with missing PVs will be imported with --force\./);
});

// -S picks the VGs (exported ones only for vgimport); -a takes no selection.
const SELECT: string[][] = [
  ['pvcreate', 'A', 'B', 'C'],
  ['vgcreate', 'va', 'A'],
  ['vgcreate', 'vb', 'B'],
  ['vgcreate', 'vc', 'C'],
  ['vgexport', '-S', 'vg_name=vb'],
  ['vgs', '-o', 'vg_name,vg_attr'],
  ['vgexport', '-S', 'vg_name=nosuch'],
  ['vgexport', '-a', '-S', 'vg_name=va'],
  ['vgimport', '-S', 'vg_exported=1'],
  ['vgexport', '-S', 'vg_name=~[ab]'],
  ['vgimport', '--select', 'vg_name=va'],
  ['vgs', '-o', 'vg_name,vg_attr'],
  ['vgchange', '-S', 'vg_name=vc', '--addtag', 't'],
  ['vgs', '-o', 'vg_name,vg_tags'],
];

test('vgexport/vgimport -S: the VGs a selection picks, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', SELECT, 3);
  const got = await transcript(t, 'ulvm', SELECT, 3);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Volume group "vc" successfully changed/);
});

// The LV and VG commands on an exported VG: named, refused; walked over (-a, no names), passed over.
const MORE: string[][] = [
  ['pvcreate', 'A', 'B', 'C'],
  ['vgcreate', 'va', 'A', 'B'],
  ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'l1', 'va'],
  ['vgexport', 'va'],
  ['vgextend', 'va', 'C'],
  ['lvextend', '-L+4m', 'va/l1'],
  ['lvrename', 'va/l1', 'l2'],
  ['lvremove', '-f', 'va/l1'],
  ['vgreduce', '--removemissing', 'va'],
  ['vgreduce', '-a', 'va'],
  ['vgchange', '-an', 'va'],
  ['lvchange', '-an', 'va/l1'],
  ['lvconvert', '--merge', 'va/l1'],
  ['vgck', 'va'],
  ['vgcfgbackup', 'va'],
  ['lvdisplay', 'va/l1'],
  ['lvscan'],
  ['vgdisplay', '-c', 'va'],
  ['pvdisplay', '-c', 'A'],
  ['lvs', 'va/l1'],
  ['vgchange', '-ay'],
  ['vgchange', '--addtag', 'x', 'va'],
  ['vgremove', '-f', 'va'],
  ['pvremove', 'A'],
  ['pvcreate', '-ff', '-y', 'A'],
];

test('vgexport: more commands on an exported VG, as lvm2', { skip: labSkipReason() }, async (t) => {
  const want = await transcript(t, 'lvm2', MORE, 3);
  const got = await transcript(t, 'ulvm', MORE, 3);
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /Physical volume "A" of volume group "va" is exported/);
});

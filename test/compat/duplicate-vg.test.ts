// Two VGs with one name (a disk image cloned, or disks moved from another machine): lvm2 lists
// both, warns on every command, and refuses every command that names the VG, since it cannot
// know which VG is meant; one of them is renamed by its uuid. Acting on an arbitrary one would
// rename, extend or remove the wrong VG. Real lvm2 and ulvm run side by side on the same loop
// devices; every refusal is checked to leave both VGs as they were.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labSkipReason, ok, type Result } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';

const D = ['--driverloaded', 'n'];

function same(want: Result, got: Result, what: string, norm: (s: string) => string = (s) => s): void {
  assert.equal(got.rc, want.rc, `${what}: rc lvm2=${want.rc} ulvm=${got.rc}\n${got.stderr}`);
  assert.equal(norm(got.stdout), norm(want.stdout), `${what}: stdout\n${lineDiff(norm(want.stdout), norm(got.stdout))}`);
  assert.equal(norm(got.stderr), norm(want.stderr), `${what}: stderr\n${lineDiff(norm(want.stderr), norm(got.stderr))}`);
  assert.doesNotMatch(got.stderr, /Internal error|\n\s+at /, `${what}: stack trace`);
}

test('duplicate VG names: listed, warned about and refused by name exactly as lvm2 does; renamed by uuid', { skip: labSkipReason() }, async (t) => {
  const lab = Lab.create(t, 4, 16);
  const [a, b, c, d] = lab.loops as [string, string, string, string];
  ok(lab.lvm('pvcreate', [a, b, c, d]), 'pvcreate');
  // Each VG made while lvm2 sees only its own PV: how duplicates arise.
  ok(lab.lvm('vgcreate', [...D, '--devices', a, 'dvg', a]), 'vgcreate dvg on a');
  ok(lab.lvm('lvcreate', [...D, '--devices', a, '-an', '-Zn', '-L', '4m', '-n', 'la', 'dvg']), 'lvcreate la');
  ok(lab.lvm('vgcreate', [...D, '--devices', b, 'dvg', b]), 'vgcreate dvg on b');
  ok(lab.lvm('lvcreate', [...D, '--devices', b, '-an', '-Zn', '-L', '8m', '-n', 'lb', 'dvg']), 'lvcreate lb');
  const uuidOn = (dev: string) => ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_uuid', '--devices', dev]), `uuid of ${dev}`).stdout.trim();
  const ida = uuidOn(a);
  const idb = uuidOn(b);
  const state = () => ok(lab.lvm('vgs', ['--noheadings', '-o', 'vg_uuid,vg_name,vg_seqno,lv_count,pv_count', '--devices', `${a},${b}`]), 'state').stdout;
  const before = state();

  const compare = async (args: string[]) => {
    const want = lab.lvm(args[0]!, [...D, ...args.slice(1)]);
    const got = await lab.ulvm(args[0]!, [...D, ...args.slice(1)]);
    same(want, got, args.join(' '));
    return got;
  };
  // Listings show both VGs, under lvm2's warning.
  for (const args of [['vgs'], ['pvs'], ['lvs'], ['vgscan'], ['lvscan'], ['vgck'], ['vgs', '-o', 'vg_name,vg_uuid,vg_seqno', '--select', `vg_uuid=${idb}`]]) {
    const r = await compare(args);
    assert.match(r.stderr, /WARNING: VG name dvg is used by VGs/, `${args.join(' ')} warns`);
  }
  // Every command naming the VG refuses, and changes nothing.
  const refused = [
    ['vgs', 'dvg'],
    ['vgdisplay', 'dvg'],
    ['lvs', 'dvg'],
    ['lvs', 'dvg/la'],
    ['lvdisplay', 'dvg/la'],
    ['lvcreate', '-an', '-Zn', '-L', '4m', '-n', 'new', 'dvg'],
    ['lvextend', '-L+4m', 'dvg/la'],
    ['lvrename', 'dvg', 'la', 'lx'],
    ['lvremove', '-f', 'dvg/la'],
    ['vgrename', 'dvg', 'other'],
    ['vgremove', '-f', 'dvg'],
    ['vgextend', 'dvg', c],
    ['vgreduce', 'dvg', a],
    ['vgchange', '-x', 'n', 'dvg'],
    ['vgcfgbackup', 'dvg'],
    ['vgrename', 'dvg', 'dvg'],
    ['vgrename', ida, 'dvg'],
    ['vgrename', ida, idb],
  ];
  for (const args of refused) {
    const r = await compare(args);
    assert.equal(r.rc, 5, `${args.join(' ')} refused`);
    assert.equal(state(), before, `${args.join(' ')} changed a VG`);
  }
  // With no VG named, vgchange goes through both, warning that activating both is dangerous.
  await compare(['vgchange', '-ay']);

  // vgcreate of the shared name makes a third VG of that name, as lvm2's does.
  const created = ok(lab.lvm('vgcreate', [...D, 'dvg', c]), 'lvm2 vgcreate dvg c');
  const third = uuidOn(c);
  ok(lab.lvm('vgremove', [...D, '-f', '--select', `vg_uuid=${third}`]), 'lvm2 vgremove of the third dvg');
  const mine = await lab.ulvm('vgcreate', [...D, 'dvg', c]);
  const mineId = uuidOn(c);
  same(created, mine, 'vgcreate dvg (a third)', (s) => s.replaceAll(third, '<new>').replaceAll(mineId, '<new>'));
  await compare(['vgs']);
  ok(lab.lvm('vgremove', [...D, '-f', '--select', `vg_uuid=${mineId}`]), 'lvm2 removes the third dvg');

  // The way out lvm2 points to: rename one VG by its uuid. ulvm renames b's; lvm2 then renames a's.
  const byUuid = await lab.ulvm('vgrename', [...D, idb, 'dvg2']);
  const lvm2ByUuid = lab.lvm('vgrename', [...D, ida, 'dvg3']);
  same(lvm2ByUuid, byUuid, 'vgrename <uuid> NEW', (s) => s.replaceAll(ida, '<uuid>').replaceAll(idb, '<uuid>').replace(/dvg[23]/g, '<new>').replace(/^.*VG name dvg is used.*\n.*\n/m, ''));
  assert.match(byUuid.stdout, new RegExp(`Processing VG dvg because of matching UUID ${idb}\\n  Volume group "${idb}" successfully renamed to "dvg2"`));
  ok(lab.lvm('vgck', ['dvg2']), 'lvm2 vgck dvg2');
  const after = await compare(['vgs']);
  assert.equal(after.stderr.includes('VG name dvg is used'), false, 'no warning once the names differ');
  assert.match(after.stdout, /dvg2 +1 +1 +0 wz--n- 12\.00m 4\.00m/);
  assert.match(after.stdout, /dvg3 +1 +1 +0 wz--n- 12\.00m 8\.00m/);
});

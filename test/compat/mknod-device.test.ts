// A block device node made with mknod under a name of its own (as lvm2's test suite makes its
// PVs): ulvm finds its size by device number, so the PV it holds is seen with its full size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labSkipReason, ok } from '../helpers/lab.ts';

test('a PV on a mknod device node keeps its size and metadata', { skip: labSkipReason() }, async (t) => {
  const lab = Lab.create(t, 1, 32);
  const loop = lab.loops[0]!;
  const rdev = statSync(loop).rdev;
  const node = join(lab.dir, 'pv-node');
  const mk = spawnSync('mknod', [node, 'b', String(Math.floor(rdev / 256) & 0xfff), String((rdev & 0xff) | ((Math.floor(rdev / 0x100000) & 0xfff) << 8))], { encoding: 'utf8' });
  assert.equal(mk.status, 0, mk.stderr);
  t.after(() => rmSync(node, { force: true }));
  ok(await lab.ulvm('pvcreate', [node], '', undefined, [node]), 'pvcreate on the node');
  ok(await lab.ulvm('vgcreate', ['vgn', node], '', undefined, [node]), 'vgcreate on the node');
  const pvs = ok(await lab.ulvm('pvs', ['--noheadings', '--units', 'm', '-o', 'pv_name,dev_size,pv_size', node], '', undefined, [node]), 'pvs');
  assert.match(pvs.stdout, /pv-node +32\.00m +28\.00m/);
  // The same PV through the loop device's own name, by real lvm2.
  const l = ok(lab.lvm('pvs', ['--noheadings', '--units', 'm', '-o', 'pv_name,vg_name,pv_size', loop]), 'lvm2 pvs');
  assert.match(l.stdout, /vgn +28\.00m/);
});

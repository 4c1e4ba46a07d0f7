// vgreduce --removemissing --force takes the LVs on a vanished PV out of the metadata and out of
// activation: nothing keeps mapping them (before, the daemon went on serving the removed LV).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSession } from '../helpers/engine-session.ts';

test('vgreduce --removemissing --force deactivates the LVs it removes', async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    await ok('lvcreate -L 8M -n onb vg /dev/sda2');
    assert.ok(engine.device('vg', 'onb'), 'active before');
    s.disks.disks.delete('/dev/sda2');
    const r = (await s.run('vgreduce --removemissing --force vg'))!;
    assert.equal(r.rc, 0, r.stderr);
    assert.match(r.stdout, /Wrote out consistent volume group vg\./);
    assert.equal(engine.device('vg', 'onb'), undefined, 'no longer mapped');
    assert.ok(engine.device('vg', 'lvol0'), 'the LV on the PV still there stays active');
    assert.doesNotMatch(await ok('lvs --noheadings -o lv_name vg'), /onb/);
  } finally {
    s.close();
  }
});

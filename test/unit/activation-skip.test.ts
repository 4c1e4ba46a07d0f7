// What activation does with the skip flag: lvcreate -ky leaves the new LV inactive, vgchange -ay
// and lvchange -ay pass flagged LVs by (also when the same lvchange sets the flag), -K activates them anyway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSession } from '../helpers/engine-session.ts';

test('LVs flagged to skip activation stay inactive unless -K', async () => {
  const { s, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    await ok('lvcreate -ky -Zn -L 4M -n k1 vg');
    const attr = async (lv: string) => (await ok(`lvs --noheadings -o lv_attr vg/${lv}`)).trim();
    assert.equal(await attr('k1'), '-wi------k', 'created, not activated');
    await ok('lvchange -an vg/lvol0');
    await ok('lvchange -ky vg/lvol0');
    assert.match(await ok('vgchange -ay vg'), /0 logical volume\(s\) in volume group "vg" now active/);
    assert.equal(await attr('lvol0'), '-wi------k');
    await ok('lvchange -ay vg/k1');
    assert.equal(await attr('k1'), '-wi------k', 'lvchange -ay passes it by');
    await ok('lvchange -ay -K vg/k1');
    assert.equal(await attr('k1'), '-wi-a----k', '-K activates it');
    assert.match(await ok('vgchange -ay -K vg'), /2 logical volume\(s\) in volume group "vg" now active/);
    // -ky and -ay together: the flag is set first, so the activation passes the LV by (lvm2's activation-skip.sh).
    await ok('lvchange -an vg/k1');
    await ok('lvchange -kn vg/k1');
    await ok('lvchange -ay --setactivationskip y vg/k1');
    assert.equal(await attr('k1'), '-wi------k');
  } finally {
    s.close();
  }
});

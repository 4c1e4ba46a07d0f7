// Renaming a pool renames its data and metadata LVs with it (lvm2's _rename_sub_lv), thin LVs
// follow, the live devices are renamed, and vgchange counts the visible LVs only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';

test('lvrename of a pool and of a thin LV; vgchange -ay counts visible LVs', async () => {
  const s = new GoldenSession(['/dev/sda1'], 64 << 20);
  const e = new ActivationEngine(s.disks);
  s.activator = e;
  const run = async (line: string) => {
    const r = await s.run(line);
    assert.ok(r);
    assert.equal(r.rc, 0, `${line}: ${r.stderr}`);
    return r.stdout;
  };
  for (const l of ['pvcreate /dev/sda1', 'vgcreate vg /dev/sda1', 'lvcreate -T -L 8M vg/pool', 'lvcreate -V 16M -T vg/pool -n t']) await run(l);
  await e.device('vg', 't')!.write(0, new Uint8Array(4096).fill(9));
  assert.equal(await run('lvrename vg/pool vg/p2'), '  Renamed "pool" to "p2" in volume group "vg"\n');
  await run('lvrename vg/t vg/t2');
  const rows = (await run('lvs -a --noheadings -o lv_name,pool_lv,lv_attr vg')).trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  assert.deepEqual(rows, ['[lvol0_pmspare] ewi-------', 'p2 twi-aotz--', '[p2_tdata] Twi-ao----', '[p2_tmeta] ewi-ao----', 't2 p2 Vwi-a-tz--']);
  assert.equal(await run('vgchange -an vg'), '  0 logical volume(s) in volume group "vg" now active\n');
  assert.equal(await run('vgchange -ay vg'), '  2 logical volume(s) in volume group "vg" now active\n');
  assert.equal((await run('dmsetup ls')).split('\n').filter(Boolean).map((l) => l.split(/\s+/)[0]).sort().join(' '), 'vg-p2 vg-p2-tpool vg-p2_tdata vg-p2_tmeta vg-t2');
  assert.equal((await e.device('vg', 't2')!.read(0, 1))[0], 9);
  await e.closeAll();
});

// Bad thin requests get lvm2's refusal (or ulvm's honest one) and change nothing: chunk sizes out
// of range, missing pools, removing or renaming a pool's parts, snapshots of pools, classic
// snapshots of thin LVs (ulvm cannot map them yet), shrinking a pool, and no stack traces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';

test('thin provocations: clear refusals, nothing changed, no Internal error', async () => {
  const s = new GoldenSession(['/dev/sda1'], 64 << 20);
  const e = new ActivationEngine(s.disks);
  s.activator = e;
  const run = async (line: string) => {
    const r = await s.run(line);
    assert.ok(r);
    assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /, line);
    return r;
  };
  for (const l of ['pvcreate /dev/sda1', 'vgcreate vg /dev/sda1', 'lvcreate -T -L 8M vg/pool', 'lvcreate -V 10M -T vg/pool -n t']) assert.equal((await run(l)).rc, 0, l);
  const before = (await run('lvs -a --noheadings -o lv_name,lv_attr,lv_size vg')).stdout;
  const refusals: [string, RegExp][] = [
    ['lvcreate -T -L 8M -c 32k vg/p0', /Thin pool chunk size 32\.00 KiB is not in the range 64\.00 KiB to 1\.00 GiB\./],
    ['lvcreate -T -L 8M -c 100k vg/p0', /Thin pool chunk size 100\.00 KiB must be a multiple of 64\.00 KiB\./],
    ['lvcreate -V 10M --thinpool nosuch vg', /Pool nosuch not found in Volume group vg\./],
    ['lvremove -y vg/pool_tdata', /Can't remove logical volume vg\/pool_tdata used by a pool\./],
    ['lvrename vg/pool_tmeta vg/x', /Cannot rename internal LV "pool_tmeta"\./],
    ['lvcreate -s vg/pool', /Logical volume vg\/pool is not a thin volume\. Thin snapshot supports only thin origins\./],
    ['lvcreate -s -L 4M -n cow vg/t', /classic \(COW\) snapshots of thin volumes/],
    ['lvcreate -s -L 4M -n cow vg/pool', /Snapshots of thin pool type volumes are not supported\./],
    ['lvreduce -y -L -4M vg/pool', /Thin pool volumes vg\/pool cannot be reduced in size yet\./],
    ['lvextend -L +1G vg/pool', /Insufficient free space/],
    ['lvconvert --type thin-pool vg/t', /does not accept LV type thin/],
  ];
  for (const [line, msg] of refusals) {
    const r = await run(line);
    assert.equal(r.rc, 5, `${line}: rc ${r.rc} ${r.stderr}`);
    assert.match(r.stderr, msg, line);
  }
  assert.equal((await run('lvs -a --noheadings -o lv_name,lv_attr,lv_size vg')).stdout, before, 'nothing changed');
  await e.closeAll();
});

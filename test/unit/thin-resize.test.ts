// Growing a pool: lvextend of the pool grows its data LV (the kernel's data space map follows at
// the reload), --poolmetadatasize its metadata LV and the spare with it; a pool cannot shrink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { parseThinPoolStatus } from '../../src/segtypes/thin-status.ts';

const DEV = '/dev/sda1';

test('lvextend of a pool and of its metadata; lvreduce refused', async () => {
  const s = new GoldenSession([DEV], 96 * 1024 * 1024);
  const log: string[] = [];
  const engine = new ActivationEngine(s.disks, undefined, undefined, undefined, (m) => log.push(m));
  s.activator = engine;
  const run = async (line: string, rc = 0) => {
    const r = await s.run(line);
    assert.ok(r);
    assert.equal(r.rc, rc, `${line}: ${r.stderr}`);
    return r;
  };
  const status = async () => parseThinPoolStatus((await engine.status()).find((a) => a.lvName === 'pool')!.thinPoolStatus!)!;
  await run(`pvcreate ${DEV}`);
  await run(`vgcreate vg ${DEV}`);
  await run('lvcreate -T -L 16M vg/pool');
  await run('lvcreate -V 64M -T vg/pool -n t');
  await engine.device('vg', 't')!.write(0, new Uint8Array(8 * 1024 * 1024).fill(1));
  assert.equal((await status()).totalData, 256);
  const r = await run('lvextend -L +8M vg/pool');
  assert.equal(r.stdout.split('\n')[0], '  Size of logical volume vg/pool_tdata changed from 16.00 MiB (4 extents) to 24.00 MiB (6 extents).');
  assert.equal(r.stdout.split('\n')[1], '  Logical volume vg/pool successfully resized.');
  assert.equal((await status()).totalData, 384);
  assert.ok(log.some((l) => /growing the data device from 256 to 384 blocks/.test(l)), log.join('\n'));
  assert.match((await run('lvs --noheadings -o lv_name,lv_size,data_percent vg/pool')).stdout, /pool 24\.00m 33\.33/);
  const m = await run('lvextend --poolmetadatasize +4M vg/pool');
  assert.match(m.stdout, /Size of logical volume vg\/pool_tmeta changed from 4\.00 MiB \(1 extents\) to 8\.00 MiB \(2 extents\)\.\n  Logical volume vg\/pool_tmeta successfully resized\.\n/);
  assert.equal((await status()).totalMetadata, 2048);
  assert.match((await run('lvs -a --noheadings -o lv_name,lv_size vg')).stdout, /\[lvol0_pmspare\]\s+8\.00m/);
  // The metadata LV named directly takes --poolmetadatasize too (not the data LV).
  await run('lvextend --poolmetadatasize +4M vg/pool_tmeta');
  assert.equal((await status()).totalMetadata, 3072);
  assert.match((await run('lvextend --poolmetadatasize +4M vg/pool_tdata', 5)).stderr, /--poolmetadatasize can be used only with thin pools\./);
  // kernel_discards comes from the live table.
  assert.match((await run('lvs --noheadings -o lv_name,discards,kernel_discards vg/pool')).stdout, /pool passdown passdown/);
  const red = await run('lvreduce -y -L -4M vg/pool', 5);
  assert.equal(red.stderr, '  Thin pool volumes vg/pool cannot be reduced in size yet.\n');
  // The data written before the resizes is still there.
  assert.equal((await engine.device('vg', 't')!.read(4096, 1))[0], 1);
  await engine.closeAll();
});

// The lab's pool of golden/09-thinpool.txt and golden/11-thin-fill.txt, replayed: a 28 MiB pool
// (448 blocks of 64 KiB) with 4 MiB of metadata, thin1 created, thin2 created and removed, then
// thin1 filled until the pool runs out of data space and the no-space timeout passes. The kernel's
// status lines and log lines are the transcripts'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TargetIoError } from '../../src/mapper/target.ts';
import { BB, fill, poolLab } from '../helpers/thin-pool-lab.ts';

test('golden 09/11: Meta% of a new pool and of one and two thins; the full pool after the timeout', async () => {
  const { pool, logs } = poolLab({ dataBlocks: 448, name: '253:3', noSpaceTimeout: 0.05 });
  assert.match(pool.status(), /^0 111\/1024 0\/448 /, 'Meta% 10.84');
  await pool.message('create_thin 1');
  await pool.message('set_transaction_id 0 1');
  assert.match(pool.status(), /^1 112\/1024 0\/448 /, 'Meta% 10.94 after lvcreate thin1');
  await pool.message('create_thin 2');
  await pool.message('set_transaction_id 1 2');
  assert.match(pool.status(), /^2 113\/1024 0\/448 /, 'Meta% 11.04 after a second thin');
  await pool.message('delete 2');
  await pool.message('set_transaction_id 2 3');
  const thin1 = pool.thin(1, 1280 * BB);
  for (let v = 0; v < 447; v++) await thin1.write(v * BB, fill(1));
  await thin1.write(1279 * BB, fill(1));
  await thin1.flush();
  assert.equal(thin1.status(), '57344 163839');
  assert.deepEqual(logs, []);
  await assert.rejects(thin1.write(600 * BB, fill(2)), (e: unknown) => e instanceof TargetIoError && e.code === 'ENOSPC');
  assert.deepEqual(logs, [
    'device-mapper: thin: 253:3: reached low water mark for data device: sending event.',
    'device-mapper: thin: 253:3: switching pool to out-of-data-space (queue IO) mode',
    'device-mapper: thin: 253:3: switching pool to out-of-data-space (error IO) mode',
  ]);
  assert.equal(pool.status(), '3 114/1024 448/448 - out_of_data_space discard_passdown error_if_no_space - 256 ');
  assert.equal(pool.table('253:1', '253:2'), '253:1 253:2 128 0 0 ');
  await pool.close();
});

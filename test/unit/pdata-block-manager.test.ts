// The block manager's cache stays bounded and writes evicted dirty blocks back stamped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { BlockManager } from '../../src/pdata/block-manager.ts';
import { BLOCK_SIZE } from '../../src/pdata/checksum.ts';
import { bitmapValidator, btreeNodeValidator, checkBlock } from '../../src/pdata/validator.ts';

test('dirty blocks beyond the cache size reach the device stamped; the cache never grows past its bound', () => {
  const dev = new MemoryDevice('/m', 256 * BLOCK_SIZE);
  const bm = new BlockManager(dev, 16);
  for (let b = 0; b < 200; b++) {
    const d = new Uint8Array(BLOCK_SIZE);
    d[100] = b & 0xff;
    bm.write(b, d, bitmapValidator);
    assert.ok(bm.cachedBlocks <= 16);
  }
  assert.equal(bm.writes, 200 - 16);
  checkBlock(bitmapValidator, 3, dev.read(3 * BLOCK_SIZE, BLOCK_SIZE));
  assert.equal(bm.read(3, bitmapValidator)[100], 3);
  assert.throws(() => bm.read(4, btreeNodeValidator), /checksum/);
  bm.flush();
  assert.equal(bm.writes, 200);
  assert.equal(dev.read(199 * BLOCK_SIZE, BLOCK_SIZE)[100], 199);
  assert.throws(() => bm.read(256, bitmapValidator), RangeError);
});

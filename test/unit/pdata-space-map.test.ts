// The space maps on their own: 2-bit counts and the overflow tree, index entries, allocation that
// never hands out a block freed in the same transaction, and reopening from the committed roots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { BlockManager } from '../../src/pdata/block-manager.ts';
import { BLOCK_SIZE } from '../../src/pdata/checksum.ts';
import { TransactionManager } from '../../src/pdata/transaction-manager.ts';
import { MetadataSpaceMap } from '../../src/pdata/space-map-metadata.ts';
import { DataSpaceMap } from '../../src/pdata/space-map-data.ts';
import { NoSpaceError } from '../../src/pdata/space-map.ts';
import { Btree, plainValueType } from '../../src/pdata/btree.ts';
import { ENTRIES_PER_BLOCK, INDEX_ENTRY_SIZE, bitmapGet, decodeIndexEntry, decodeMetadataIndex } from '../../src/pdata/sm-disk-format.ts';
import { decodeU32 } from '../../src/pdata/thin-values.ts';
import { bitmapValidator, indexValidator } from '../../src/pdata/validator.ts';

function setup(blocks: number) {
  const bm = new BlockManager(new MemoryDevice('/m', blocks * BLOCK_SIZE), 64);
  const tm = new TransactionManager(bm);
  const msm = MetadataSpaceMap.create(tm, blocks);
  assert.equal(msm.alloc(), 0);
  msm.initRefTree();
  return { bm, tm, msm };
}

test('metadata space map over three bitmaps: counts above 2 live in the ref-count tree and leave it when they drop', () => {
  const { bm, tm, msm } = setup(40000);
  msm.commit();
  tm.endTransaction();
  const root = msm.root();
  assert.equal(root.nrBlocks, 40000);
  const index = decodeMetadataIndex(bm.read(root.bitmapRoot, indexValidator), 3);
  // Every bitmap slot counts, also those past the end of the device (§5.2).
  assert.deepEqual(index.map((e) => e.nrFree).slice(1), [ENTRIES_PER_BLOCK, ENTRIES_PER_BLOCK]);
  assert.equal(index[0].nrFree, ENTRIES_PER_BLOCK - root.nrAllocated);
  const b = 35000;
  for (let i = 0; i < 5; i++) msm.inc(b);
  msm.commit();
  tm.endTransaction();
  const again = MetadataSpaceMap.open(new TransactionManager(bm), msm.root());
  assert.equal(again.count(b), 5);
  const refs = new Btree(tm, plainValueType(4));
  assert.equal(decodeU32(refs.lookup(msm.root().refCountRoot, b)!), 5);
  const e2 = decodeMetadataIndex(bm.read(msm.root().bitmapRoot, indexValidator), 3)[2];
  assert.equal(bitmapGet(bm.read(e2.blocknr, bitmapValidator), b - 2 * ENTRIES_PER_BLOCK), 3);
  assert.equal(e2.nrFree, ENTRIES_PER_BLOCK - 1);
  for (let i = 0; i < 3; i++) msm.dec(b);
  msm.commit();
  tm.endTransaction();
  assert.equal(refs.lookup(msm.root().refCountRoot, b), undefined);
  assert.equal(MetadataSpaceMap.open(new TransactionManager(bm), msm.root()).count(b), 2);
});

test('data space map: extend, exhaust, free; index entries in the btree; freed blocks wait for the commit', () => {
  const { tm, msm } = setup(1000);
  const dsm = DataSpaceMap.create(tm);
  dsm.extend(ENTRIES_PER_BLOCK + 100);
  const got = new Set<number>();
  for (let i = 0; i < ENTRIES_PER_BLOCK + 100; i++) got.add(dsm.alloc());
  assert.equal(got.size, ENTRIES_PER_BLOCK + 100);
  assert.throws(() => dsm.alloc(), NoSpaceError);
  dsm.commit();
  msm.commit();
  tm.endTransaction();
  dsm.dec(7);
  dsm.dec(ENTRIES_PER_BLOCK + 50);
  assert.equal(dsm.nrFree, 2);
  assert.throws(() => dsm.alloc(), NoSpaceError, 'a block freed in this transaction is still used in the committed map');
  dsm.commit();
  msm.commit();
  tm.endTransaction();
  const root = dsm.root();
  const entries: number[][] = [];
  new Btree(tm, plainValueType(INDEX_ENTRY_SIZE)).walk(root.bitmapRoot, (k, v) => {
    const e = decodeIndexEntry(v);
    entries.push([k, e.nrFree, e.noneFreeBefore]);
  });
  assert.deepEqual(entries, [[0, 1, 7], [1, ENTRIES_PER_BLOCK - 99, 50]]);
  const reopened = DataSpaceMap.open(tm, root);
  assert.equal(reopened.nrAllocated, ENTRIES_PER_BLOCK + 98);
  assert.deepEqual([reopened.alloc(), reopened.alloc()].sort((a, b) => a - b), [7, ENTRIES_PER_BLOCK + 50]);
  assert.throws(() => reopened.extend(5), /cannot reduce size of space map/);
});

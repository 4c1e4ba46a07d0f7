// Golden bytes: the reference's checksum vectors and the canonical image of §9.2 (states A and B),
// rebuilt block by block with the encoders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BITMAP_CSUM_XOR, BLOCK_SIZE, BTREE_CSUM_XOR, INDEX_CSUM_XOR, SUPERBLOCK_CSUM_XOR, blockChecksum, crc32cRaw } from '../../src/pdata/checksum.ts';
import { type ThinSuperblock, decodeSuperblock, encodeSuperblock } from '../../src/pdata/superblock.ts';
import { LEAF_NODE, decodeNode, emptyNode, encodeNode } from '../../src/pdata/btree-node.ts';
import { bitmapGet, bitmapSet, decodeMetadataIndex, encodeIndexEntry, encodeMetadataIndex } from '../../src/pdata/sm-disk-format.ts';
import { decodeBlockTime, encodeBlockTime, encodeDeviceDetails, encodeU64 } from '../../src/pdata/thin-values.ts';
import { bitmapValidator, btreeNodeValidator, checkBlock, indexValidator, prepareForWrite, superblockValidator, BlockValidationError } from '../../src/pdata/validator.ts';
import type { BlockValidator } from '../../src/pdata/validator.ts';

test('crc32c test vectors', () => {
  assert.equal(crc32cRaw(new TextEncoder().encode('123456789')), 0x1cf96d7c);
  assert.equal(crc32cRaw(new Uint8Array(4092)), 0x58cda791);
  const zero = new Uint8Array(BLOCK_SIZE);
  assert.equal(blockChecksum(zero, SUPERBLOCK_CSUM_XOR), 0x58cfd397);
  assert.equal(blockChecksum(zero, BTREE_CSUM_XOR), 0x58cc7e82);
  assert.equal(blockChecksum(zero, BITMAP_CSUM_XOR), 0x58ce0b1a);
  assert.equal(blockChecksum(zero, INDEX_CSUM_XOR), 0x58cfd54f);
});

function stamped(v: BlockValidator, b: number, data: Uint8Array): number {
  prepareForWrite(v, b, data);
  checkBlock(v, b, data);
  return new DataView(data.buffer).getUint32(0, true);
}

function leaf(valueSize: number, entries: [number, Uint8Array][]): Uint8Array {
  const n = emptyNode(LEAF_NODE, valueSize);
  for (const [k, v] of entries) {
    n.keys.push(k);
    n.values.push(v);
  }
  return encodeNode(n);
}

function bitmap(counts: number[]): Uint8Array {
  const b = new Uint8Array(BLOCK_SIZE);
  counts.forEach((c, j) => bitmapSet(b, j, c));
  return b;
}

const stateA: ThinSuperblock = {
  flags: 0, blocknr: 0, uuid: new Uint8Array(16), magic: 27022010, version: 2, time: 0, transId: 0n, heldRoot: 0,
  dataSmRoot: { nrBlocks: 1024, nrAllocated: 0, bitmapRoot: 4, refCountRoot: 5 },
  metadataSmRoot: { nrBlocks: 1024, nrAllocated: 9, bitmapRoot: 1, refCountRoot: 2 },
  dataMappingRoot: 6, deviceDetailsRoot: 7, dataBlockSize: 128, metadataBlockSize: 8, metadataNrBlocks: 1024,
  compatFlags: 0, compatRoFlags: 0, incompatFlags: 0,
};

test('§9.2 state A: every block checksum of the canonical empty pool', () => {
  const sb = encodeSuperblock(stateA);
  assert.equal(stamped(superblockValidator, 0, sb), 0x2a0eefe3);
  assert.deepEqual(decodeSuperblock(sb), stateA);
  assert.ok(sb.subarray(364).every((x) => x === 0));
  assert.equal(stamped(indexValidator, 1, encodeMetadataIndex([{ blocknr: 3, nrFree: 16311, noneFreeBefore: 9 }])), 0x9b0818f9);
  assert.equal(stamped(btreeNodeValidator, 2, leaf(4, [])), 0xc360e452);
  const mbm = bitmap(Array(9).fill(1));
  assert.equal(new DataView(mbm.buffer).getBigUint64(16, true), 0x2aaaan);
  assert.equal(stamped(bitmapValidator, 3, mbm), 0xc6e33548);
  assert.equal(stamped(btreeNodeValidator, 4, leaf(16, [[0, encodeIndexEntry({ blocknr: 8, nrFree: 16320, noneFreeBefore: 0 })]])), 0xb7fdfeda);
  assert.equal(stamped(btreeNodeValidator, 5, leaf(4, [])), 0x41bfaa04);
  assert.equal(stamped(btreeNodeValidator, 6, leaf(8, [])), 0xcb3dda35);
  assert.equal(stamped(btreeNodeValidator, 7, leaf(24, [])), 0xb1c81346);
  assert.equal(stamped(bitmapValidator, 8, bitmap([])), 0x58bb3366);
});

test('§9.2 state B: one thin device with three mappings', () => {
  const sb = encodeSuperblock({ ...stateA, transId: 1n, dataSmRoot: { ...stateA.dataSmRoot, nrAllocated: 3 }, metadataSmRoot: { ...stateA.metadataSmRoot, nrAllocated: 10 } });
  assert.equal(stamped(superblockValidator, 0, sb), 0xd19d8da0);
  const index = encodeMetadataIndex([{ blocknr: 3, nrFree: 16310, noneFreeBefore: 10 }]);
  assert.equal(stamped(indexValidator, 1, index), 0xd2698701);
  assert.deepEqual(decodeMetadataIndex(index, 1), [{ blocknr: 3, nrFree: 16310, noneFreeBefore: 10 }]);
  assert.equal(stamped(bitmapValidator, 3, bitmap(Array(10).fill(1))), 0x5efe1b4d);
  assert.equal(stamped(btreeNodeValidator, 4, leaf(16, [[0, encodeIndexEntry({ blocknr: 8, nrFree: 16317, noneFreeBefore: 3 })]])), 0xdc782302);
  assert.equal(stamped(btreeNodeValidator, 6, leaf(8, [[0, encodeU64(9)]])), 0x6666bd55);
  const details = encodeDeviceDetails({ mappedBlocks: 3, transactionId: 0n, creationTime: 0, snapshottedTime: 0 });
  assert.equal(stamped(btreeNodeValidator, 7, leaf(24, [[0, details]])), 0x9caa2e72);
  const dbm = bitmap([1, 1, 1]);
  assert.equal(new DataView(dbm.buffer).getBigUint64(16, true), 0x2an);
  assert.equal(stamped(bitmapValidator, 8, dbm), 0x3721cbd1);
  const dev0 = leaf(8, [0, 1, 2].map((i) => [i, encodeBlockTime({ block: i, time: 0 })]));
  assert.equal(stamped(btreeNodeValidator, 9, dev0), 0x19762443);
  const n = decodeNode(dev0, 9);
  assert.equal(n.maxEntries, 252);
  assert.deepEqual(n.values.map(decodeBlockTime), [0, 1, 2].map((block) => ({ block, time: 0 })));
});

test('bitmap counts: 2 and overflow bits; validators reject a moved or corrupted block', () => {
  const b = bitmap([2, 2, 2]);
  assert.equal(new DataView(b.buffer).getBigUint64(16, true), 0x15n);
  bitmapSet(b, 40, 7);
  assert.equal(bitmapGet(b, 40), 3);
  assert.equal(bitmapGet(b, 1), 2);
  const node = leaf(8, []);
  prepareForWrite(btreeNodeValidator, 5, node);
  assert.throws(() => checkBlock(btreeNodeValidator, 6, node), (e: unknown) => e instanceof BlockValidationError && e.reason === 'blocknr');
  assert.throws(() => checkBlock(bitmapValidator, 5, node), (e: unknown) => e instanceof BlockValidationError && e.reason === 'checksum');
  node[100] ^= 1;
  assert.throws(() => checkBlock(btreeNodeValidator, 5, node), (e: unknown) => e instanceof BlockValidationError && e.reason === 'checksum');
});

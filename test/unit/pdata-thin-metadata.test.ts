// Pool metadata operations on memory devices, each image checked by recomputing every reference
// count from the trees (thin-check.ts), and read back after reopening.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { BLOCK_SIZE } from '../../src/pdata/checksum.ts';
import { ThinMetadata, superblockAllZeroes } from '../../src/pdata/thin-metadata.ts';
import { ReadOnlyBlockManagerError } from '../../src/pdata/block-manager.ts';
import { ThinMetadataError } from '../../src/pdata/thin-metadata-errors.ts';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';
import { decodeSuperblock, encodeSuperblock } from '../../src/pdata/superblock.ts';
import { prepareForWrite, superblockValidator } from '../../src/pdata/validator.ts';
import type { BlockTime } from '../../src/pdata/thin-values.ts';

function metaDev(mib = 4): MemoryDevice {
  return new MemoryDevice('/meta', mib << 20);
}

function clean(dev: MemoryDevice): { metadataAllocated: number; dataAllocated: number } {
  const r = checkThinMetadata(dev);
  assert.deepEqual(r.errors, []);
  return r;
}

function dump(md: ThinMetadata, id: number): [number, BlockTime][] {
  const out: [number, BlockTime][] = [];
  md.mappings(id, (v, m) => void out.push([v, m]));
  return out;
}

test('format: the empty pool of §9.2 state A (9 metadata blocks, 1024 data blocks free); reopen reads it back', () => {
  const dev = metaDev();
  assert.ok(superblockAllZeroes(dev));
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 1024 });
  assert.ok(!superblockAllZeroes(dev));
  assert.equal(clean(dev).metadataAllocated, 9);
  const sb = ThinMetadata.open(dev, { dataBlockSize: 128 }).superblock;
  assert.deepEqual({ ...sb, uuid: undefined }, { ...md.superblock, uuid: undefined });
  assert.equal(sb.version, 2);
  assert.equal(sb.metadataSmRoot.nrBlocks, 1024);
  assert.equal(sb.metadataSmRoot.nrAllocated, 9);
  assert.deepEqual([sb.dataSmRoot.nrBlocks, sb.dataSmRoot.nrAllocated], [1024, 0]);
  assert.deepEqual(md.usage(), { metadata: { total: 1024, free: 1015 }, data: { total: 1024, free: 1024 } });
});

test('§9.2 state B: create_thin 0, three mapped blocks, set_transaction_id 0 1: ten metadata blocks, as the reference', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 1024 });
  md.createThin(0);
  for (let v = 0; v < 3; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.setTransactionId(0n, 1n);
  assert.throws(() => md.setTransactionId(0n, 2n), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'EINVAL');
  md.commit();
  assert.deepEqual(clean(dev), { errors: [], metadataAllocated: 10, dataAllocated: 3 });
  const again = ThinMetadata.open(dev);
  assert.equal(again.transactionId, 1n);
  assert.deepEqual(again.deviceDetails(0), { mappedBlocks: 3, transactionId: 0n, creationTime: 0, snapshottedTime: 0 });
  assert.deepEqual(dump(again, 0), [0, 1, 2].map((v) => [v, { block: v, time: 0 }]));
  assert.deepEqual(again.lookup(0, 1), { block: 1, time: 0, shared: false });
  assert.equal(again.lookup(0, 3), undefined);
  assert.throws(() => again.createThin(0), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'EEXIST');
});

test('§9.3: a snapshot shares the origin tree; a write to the origin breaks sharing of that leaf only', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 1024 });
  md.createThin(0);
  for (let v = 0; v < 3; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.setTransactionId(0n, 1n);
  md.commit();
  md.createSnap(1, 0);
  md.commit();
  clean(dev);
  assert.equal(md.time, 1);
  assert.deepEqual(md.deviceDetails(0), { mappedBlocks: 3, transactionId: 0n, creationTime: 0, snapshottedTime: 1 });
  assert.deepEqual(md.deviceDetails(1), { mappedBlocks: 3, transactionId: 1n, creationTime: 1, snapshottedTime: 1 });
  assert.equal(md.lookup(0, 1)?.shared, true);
  assert.equal(md.dataCount(1), 1, 'data counts are per leaf, not per device');
  const x = md.allocDataBlock();
  md.insertMapping(0, 1, x);
  md.commit();
  clean(dev);
  assert.deepEqual([0, 1, 2].map((b) => md.dataCount(b)), [2, 1, 2]);
  assert.deepEqual(dump(md, 0), [[0, { block: 0, time: 0 }], [1, { block: x, time: 1 }], [2, { block: 2, time: 0 }]]);
  assert.deepEqual(dump(md, 1), [0, 1, 2].map((v) => [v, { block: v, time: 0 }]));
  assert.equal(md.lookup(0, 1)?.shared, false);
  md.deleteDevice(1);
  md.commit();
  clean(dev);
  assert.deepEqual([0, 1, 2, x].map((b) => md.dataCount(b)), [1, 0, 1, 1]);
  assert.deepEqual(md.devices(), [0]);
});

test('snapshots of snapshots overflow the 2-bit counts into the ref-count tree, and deleting them all frees everything', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 20000 });
  md.createThin(7);
  for (let v = 0; v < 700; v++) md.insertMapping(7, v * 3, md.allocDataBlock());
  md.commit();
  const base = clean(dev).metadataAllocated;
  for (let s = 8; s < 14; s++) md.createSnap(s, s === 8 ? 7 : s - 1);
  md.commit();
  clean(dev);
  for (let s = 8; s < 14; s += 2) md.insertMapping(s, 5, md.allocDataBlock());
  md.removeMapping(9, 0);
  assert.equal(md.removeRange(11, 30, 90), 20);
  md.commit();
  clean(dev);
  assert.equal(md.deviceDetails(11)?.mappedBlocks, 680);
  assert.equal(md.deviceDetails(9)?.mappedBlocks, 699);
  assert.equal(md.deviceDetails(10)?.mappedBlocks, 701);
  assert.equal(md.highestMapped(9), 699 * 3);
  md.createThin(99);
  assert.equal(md.highestMapped(99), undefined);
  md.deleteDevice(99);
  for (let s = 8; s < 14; s++) md.deleteDevice(s);
  md.commit();
  assert.equal(clean(dev).metadataAllocated, base);
  assert.equal(md.usage().data.free, 20000 - 700);
});

test('metadata snapshot: reserve keeps the old trees readable and counted; a second reserve is EBUSY; release frees them', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 4096 });
  md.createThin(1);
  for (let v = 0; v < 400; v++) md.insertMapping(1, v, md.allocDataBlock());
  md.commit();
  const before = clean(dev);
  md.reserveMetadataSnap();
  md.releaseMetadataSnap();
  md.commit();
  assert.deepEqual(clean(dev), before, 'a snapshot released at once leaves nothing behind');
  const held = md.reserveMetadataSnap();
  assert.equal(md.heldRoot, held);
  assert.throws(() => md.reserveMetadataSnap(), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'EBUSY');
  for (let v = 0; v < 400; v += 2) md.insertMapping(1, v, md.allocDataBlock());
  md.removeRange(1, 300, 400);
  md.createThin(2);
  md.commit();
  clean(dev);
  const copy = decodeSuperblock(dev.read(held * BLOCK_SIZE, BLOCK_SIZE));
  assert.equal(copy.blocknr, held);
  assert.deepEqual(copy.dataSmRoot, { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 });
  md.releaseMetadataSnap();
  assert.throws(() => md.releaseMetadataSnap(), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'EINVAL');
  md.deleteDevice(2);
  md.commit();
  const after = clean(dev);
  assert.equal(after.dataAllocated, 300);
  assert.equal(md.heldRoot, 0);
  assert.ok(after.metadataAllocated <= before.metadataAllocated + 1);
});

test('open refuses what the kernel refuses: bad magic, bad checksum, wrong location, other block size, incompat features', () => {
  const dev = metaDev();
  ThinMetadata.format(dev, { dataBlockSize: 256, nrDataBlocks: 100 });
  const good = dev.read(0, BLOCK_SIZE);
  const rewrite = (f: (b: Uint8Array) => void, stamp = true) => {
    const b = good.slice();
    f(b);
    if (stamp) prepareForWrite(superblockValidator, 0, b);
    dev.write(0, b);
  };
  const errno = (re: RegExp, e: string, opts = {}) => assert.throws(() => ThinMetadata.open(dev, opts), (x: unknown) => x instanceof ThinMetadataError && x.errno === e && re.test(x.message));
  rewrite((b) => (b[32] ^= 1));
  errno(/magic 27022011: wanted 27022010/, 'EILSEQ');
  rewrite((b) => (b[300] ^= 1), false);
  errno(/checksum/, 'EILSEQ');
  rewrite((b) => (b[8] = 5), false);
  errno(/blocknr 5: wanted 0/, 'ENOTBLK');
  rewrite(() => {});
  errno(/changing the data block size \(from 256 to 128\) is not supported/, 'EINVAL', { dataBlockSize: 128 });
  const sb = decodeSuperblock(good);
  rewrite((b) => b.set(encodeSuperblock({ ...sb, incompatFlags: 1 })));
  errno(/unsupported optional features \(1\)/, 'EINVAL');
  rewrite((b) => b.set(encodeSuperblock({ ...sb, compatRoFlags: 2 })));
  errno(/RDWR/, 'EINVAL');
  assert.equal(ThinMetadata.open(dev, { readOnly: true }).dataBlockSize, 256);
});

test('the checker catches a wrong count', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 100 });
  md.createThin(0);
  md.insertMapping(0, 0, md.allocDataBlock());
  md.allocDataBlock(); // a leak
  md.commit();
  assert.deepEqual(checkThinMetadata(dev).errors, ['data block 1: count 1, expected 0']);
});

test('random operations on several devices match a model across commits and reopen; memory stays within the cache', () => {
  const dev = metaDev(8);
  let md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 50000, cacheBlocks: 64 });
  let seed = 12345;
  // mulberry32: every bit is usable, unlike a plain LCG's low bits.
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
  const model = new Map<number, Map<number, number>>();
  const deadline = Date.now() + 5000;
  for (let round = 0; round < 30 && Date.now() < deadline; round++) {
    const ids = [...model.keys()];
    const op = random(10);
    if (op === 0 || ids.length === 0) {
      const id = 100 + round;
      md.createThin(id);
      model.set(id, new Map());
    } else if (op === 1) {
      const origin = ids[random(ids.length)];
      const id = 100 + round;
      md.createSnap(id, origin);
      model.set(id, new Map(model.get(origin)));
    } else if (op === 2 && ids.length > 2) {
      const id = ids[random(ids.length)];
      md.deleteDevice(id);
      model.delete(id);
    } else {
      const id = ids[random(ids.length)];
      const m = model.get(id)!;
      for (let i = 0; i < 500; i++) {
        const v = random(3000);
        if (random(4) === 0) {
          assert.equal(md.removeMapping(id, v), m.delete(v));
        } else {
          const b = md.allocDataBlock();
          md.insertMapping(id, v, b);
          m.set(v, b);
        }
        assert.ok(md.bm.cachedBlocks <= 64);
      }
    }
    md.commit();
    if (round % 5 === 4) {
      clean(dev);
      md = ThinMetadata.open(dev, { cacheBlocks: 64 });
    }
    for (const [id, m] of model) {
      assert.equal(md.deviceDetails(id)?.mappedBlocks, m.size);
      assert.deepEqual(dump(md, id).map(([v, bt]) => [v, bt.block]), [...m].sort((a, b) => a[0] - b[0]));
    }
  }
  clean(dev);
});

test('running out of data blocks is ENOSPC; abort returns to the committed state', () => {
  const dev = metaDev();
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 10 });
  md.createThin(0);
  for (let v = 0; v < 10; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.commit();
  md.removeMapping(0, 3);
  assert.throws(() => md.allocDataBlock(), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'ENOSPC', 'a block freed in this transaction is not reused before the commit');
  md.commit();
  assert.equal(md.allocDataBlock(), 3);
  md.insertMapping(0, 3, 3);
  md.createThin(1);
  md.createSnap(2, 0);
  md.abort();
  assert.deepEqual(md.devices(), [0]);
  assert.equal(md.deviceDetails(0)?.mappedBlocks, 9);
  assert.equal(md.lookup(0, 3), undefined);
  assert.equal(md.usage().data.free, 1);
  md.createThin(1);
  md.commit();
  clean(dev);
});

test('open or format: a zeroed device is formatted, an existing pool opened; read-only never formats nor writes', () => {
  const dev = metaDev();
  assert.throws(() => ThinMetadata.openOrFormat(dev, { dataBlockSize: 128, nrDataBlocks: 64, readOnly: true }), (e: unknown) => e instanceof ThinMetadataError && e.errno === 'EPERM');
  assert.ok(superblockAllZeroes(dev));
  const md = ThinMetadata.openOrFormat(dev, { dataBlockSize: 128, nrDataBlocks: 64 });
  md.createThin(4);
  md.commit();
  const ro = ThinMetadata.openOrFormat(dev, { dataBlockSize: 128, nrDataBlocks: 64, readOnly: true });
  assert.deepEqual(ro.devices(), [4]);
  const writes = dev.writes;
  assert.throws(() => ro.createThin(5), ReadOnlyBlockManagerError);
  assert.throws(() => ro.commit(), ReadOnlyBlockManagerError);
  assert.equal(dev.writes, writes);
  assert.deepEqual(ThinMetadata.open(dev).devices(), [4]);
});

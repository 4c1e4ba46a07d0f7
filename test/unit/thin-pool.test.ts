// The thin target's data path on memory devices: provisioning, zeroing, snapshots breaking
// sharing, delete, discards, extents, concurrent writers, and the metadata it leaves (checked by
// recomputing every reference count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';
import { ThinMetadata } from '../../src/pdata/thin-metadata.ts';
import type { BlockTarget, Extent } from '../../src/mapper/target.ts';
import { BB, BS, fill, linearOver, poolLab } from '../helpers/thin-pool-lab.ts';
import { MemoryDevice } from '../../src/devices/memory.ts';

function usedData(status: string): number {
  return Number(/^\d+ \d+\/\d+ (\d+)\//.exec(status)![1]);
}

/** A data target that counts what the pool asks of it. */
function counting(inner: BlockTarget): BlockTarget & { zeroes: number; writes: number; discards: number } {
  const t = {
    zeroes: 0,
    writes: 0,
    discards: 0,
    size: inner.size,
    caps: inner.caps,
    read: (o: number, l: number, into?: Uint8Array) => inner.read(o, l, into),
    write: (o: number, d: Uint8Array) => (t.writes++, inner.write(o, d)),
    flush: () => inner.flush(),
    discard: (o: number, l: number) => (t.discards++, inner.discard(o, l)),
    writeZeroes: (o: number, l: number, n?: boolean) => (t.zeroes++, inner.writeZeroes(o, l, n)),
    extents: (o: number, l: number) => inner.extents(o, l),
  };
  return t;
}

test('§9.2: a fresh pool and its status and table lines; one thin with three blocks, as the worked example', async () => {
  const { pool, meta } = poolLab();
  assert.equal(pool.status(), '0 111/1024 0/1024 - rw discard_passdown queue_if_no_space - 256 ');
  assert.equal(pool.table('253:0', '253:1'), '253:0 253:1 128 0 0 ');
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 1024 * BB);
  assert.equal(thin.status(), '0 -');
  for (let v = 0; v < 3; v++) await thin.write(v * BB, fill(v + 1));
  await pool.message('set_transaction_id 0 1');
  assert.equal(pool.status(), '1 112/1024 3/1024 - rw discard_passdown queue_if_no_space - 256 ');
  assert.equal(thin.status(), '384 383');
  thin.release();
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
  const md = ThinMetadata.open(meta);
  const maps: [number, number, number][] = [];
  md.mappings(0, (v, m) => void maps.push([v, m.block, m.time]));
  assert.deepEqual(maps, [[0, 0, 0], [1, 1, 0], [2, 2, 0]]);
});

test('reads of unprovisioned blocks are zeros; a partial write zeroes the rest of its new block; a whole-block write is not zeroed first', async () => {
  const dataDev = new MemoryDevice('/data', 64 * BB);
  dataDev.write(0, fill(0xee, 64 * BB)); // stale contents the zeroing must hide
  const data = counting(linearOver(dataDev));
  const { pool } = poolLab({ dataDev, data });
  await pool.message('create_thin 1');
  const thin = pool.thin(1, 16 * BB);
  assert.deepEqual(await thin.read(0, 4096), new Uint8Array(4096));
  assert.equal(usedData(pool.status()), 0, 'reads allocate nothing');
  await thin.write(BB + 512, fill(7, 1024));
  assert.equal(data.zeroes, 1);
  const back = await thin.read(BB, BB);
  assert.deepEqual(back.subarray(512, 1536), fill(7, 1024));
  assert.ok(back.subarray(0, 512).every((b) => b === 0) && back.subarray(1536).every((b) => b === 0));
  await thin.write(3 * BB, fill(9));
  assert.equal(data.zeroes, 1, 'a write covering the block goes straight in');
  assert.deepEqual(await thin.read(3 * BB, BB), fill(9));
  // A second write into an already provisioned block is a plain remap.
  await thin.write(BB, fill(5, 512));
  assert.equal(data.zeroes, 1);
  assert.deepEqual((await thin.read(BB, 1536)).subarray(0, 512), fill(5, 512));
  assert.equal(usedData(pool.status()), 2);
  await pool.close();
});

test('skip_block_zeroing: the rest of a new block keeps what the data device held', async () => {
  const dataDev = new MemoryDevice('/data', 64 * BB);
  dataDev.write(0, fill(0xee, 64 * BB));
  const { pool } = poolLab({ dataDev, zeroNewBlocks: false });
  assert.equal(pool.table('253:0', '253:1'), '253:0 253:1 128 0 1 skip_block_zeroing ');
  await pool.message('create_thin 1');
  const thin = pool.thin(1, 16 * BB);
  await thin.write(100, fill(1, 10));
  const back = await thin.read(0, BB);
  assert.deepEqual(back.subarray(100, 110), fill(1, 10));
  assert.equal(back[0], 0xee);
  await pool.close();
});

test('writes across block boundaries, and reads spanning mapped and unmapped blocks', async () => {
  const { pool } = poolLab();
  await pool.message('create_thin 1');
  const thin = pool.thin(1, 16 * BB);
  const data = new Uint8Array(2 * BB + 1000).map((_, i) => (i * 7) & 0xff);
  await thin.write(BB - 500, data);
  assert.deepEqual(await thin.read(BB - 500, data.length), data);
  assert.equal(usedData(pool.status()), 4, 'blocks 0..3 touched');
  const wide = await thin.read(0, 8 * BB);
  assert.ok(wide.subarray(0, BB - 500).every((b) => b === 0));
  assert.ok(wide.subarray(4 * BB).every((b) => b === 0));
  await assert.rejects(thin.read(15 * BB, 2 * BB), /beyond the end/);
  await pool.close();
});

test('a snapshot shares every block until either side writes it; then each side reads its own data', async () => {
  const { pool, meta } = poolLab();
  await pool.message('create_thin 0');
  const origin = pool.thin(0, 8 * BB);
  for (let v = 0; v < 4; v++) await origin.write(v * BB, fill(0x10 + v));
  await pool.message('create_snap 1 0');
  const snap = pool.thin(1, 8 * BB);
  assert.equal(usedData(pool.status()), 4);
  assert.deepEqual(await snap.read(2 * BB, BB), fill(0x12));
  await origin.write(BB + 100, fill(0xaa, 50)); // a partial write copies the shared block first
  await snap.write(2 * BB, fill(0xbb)); // a whole-block write needs no copy
  assert.equal(usedData(pool.status()), 6);
  const o1 = await origin.read(BB, BB);
  assert.deepEqual(o1.subarray(100, 150), fill(0xaa, 50));
  assert.equal(o1[0], 0x11);
  assert.equal(o1[BB - 1], 0x11);
  assert.deepEqual(await snap.read(BB, BB), fill(0x11));
  assert.deepEqual(await snap.read(2 * BB, BB), fill(0xbb));
  assert.deepEqual(await origin.read(2 * BB, BB), fill(0x12));
  // Once broken, the sharing stays broken: another write to the origin's copy allocates nothing.
  await origin.write(BB, fill(0xcc, 10));
  assert.equal(usedData(pool.status()), 6);
  assert.equal(origin.status(), `${4 * BS} ${4 * BS - 1}`);
  assert.equal(snap.status(), `${4 * BS} ${4 * BS - 1}`);
  origin.release();
  snap.release();
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
});

test('delete frees the blocks only the device mapped; an open thin cannot be deleted', async () => {
  const { pool, logs, meta } = poolLab();
  await pool.message('create_thin 0');
  const origin = pool.thin(0, 8 * BB);
  for (let v = 0; v < 4; v++) await origin.write(v * BB, fill(v + 1));
  await pool.message('create_snap 1 0');
  const snap = pool.thin(1, 8 * BB);
  await snap.write(0, fill(9));
  await snap.write(5 * BB, fill(9));
  assert.equal(usedData(pool.status()), 6);
  await assert.rejects(pool.message('delete 1'), (e: { errno?: string }) => e.errno === 'EBUSY');
  assert.equal(logs.at(-1), 'device-mapper: thin: Deletion of thin device 1 failed.');
  snap.release();
  await pool.message('delete 1');
  assert.equal(usedData(pool.status()), 4, "the snapshot's own two blocks are free again");
  assert.deepEqual(await origin.read(0, BB), fill(1));
  await assert.rejects(pool.message('delete 1'), (e: { errno?: string }) => e.errno === 'ENODATA');
  origin.release();
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
});

test('discards unmap whole blocks only, and pass down the blocks nobody maps any more', async () => {
  const { pool, dataDev } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 16 * BB);
  for (let v = 0; v < 6; v++) await thin.write(v * BB, fill(v + 1));
  await pool.message('create_snap 1 0');
  const punches = dataDev.punches;
  await thin.discard(100, BB); // no whole block: nothing happens
  assert.equal(usedData(pool.status()), 6);
  assert.equal(thin.status(), `${6 * BS} ${6 * BS - 1}`);
  await thin.discard(BB - 1, 3 * BB + 2); // blocks 1..3 as a whole
  assert.equal(thin.status(), `${3 * BS} ${6 * BS - 1}`);
  assert.deepEqual(await thin.read(2 * BB, BB), new Uint8Array(BB));
  assert.equal(usedData(pool.status()), 6, 'the snapshot still maps them');
  assert.equal(dataDev.punches, punches, 'shared blocks are not discarded below');
  const snap = pool.thin(1, 16 * BB);
  assert.deepEqual(await snap.read(2 * BB, BB), fill(3));
  await snap.discard(2 * BB, BB);
  assert.equal(usedData(pool.status()), 5);
  assert.equal(dataDev.punches, punches + 1, 'the freed block is discarded on the data device');
  await thin.discard(5 * BB, BB);
  assert.equal(thin.status(), `${2 * BS} ${5 * BS - 1}`, "blocks 0 and 4 are left");
  await pool.close();
});

test('no_discard_passdown unmaps without discarding below; ignore_discard does nothing', async () => {
  const a = poolLab({ discards: 'nopassdown' });
  assert.match(a.pool.status(), / no_discard_passdown /);
  assert.equal(a.pool.table('253:0', '253:1'), '253:0 253:1 128 0 1 no_discard_passdown ');
  await a.pool.message('create_thin 0');
  const t = a.pool.thin(0, 4 * BB);
  await t.write(0, fill(1));
  const punches = a.dataDev.punches;
  await t.discard(0, BB);
  assert.equal(t.status(), '0 -');
  assert.equal(a.dataDev.punches, punches);
  await a.pool.close();
  const b = poolLab({ discards: 'ignore' });
  assert.match(b.pool.status(), / ignore_discard /);
  assert.equal(b.pool.table('253:0', '253:1'), '253:0 253:1 128 0 1 ignore_discard ');
  await b.pool.message('create_thin 0');
  const u = b.pool.thin(0, 4 * BB);
  assert.equal(u.caps.discard, false);
  await u.write(0, fill(1));
  await u.discard(0, BB);
  assert.equal(u.status(), `${BS} ${BS - 1}`);
  await b.pool.close();
});

test('extents are exact: unprovisioned ranges are zero holes, provisioned blocks data', async () => {
  const { pool } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 10 * BB);
  assert.deepEqual(await thin.extents(0, 10 * BB), [{ length: 10 * BB, zero: true, hole: true }]);
  await thin.write(2 * BB, fill(1, 10));
  await thin.write(3 * BB, fill(1));
  await thin.write(7 * BB, fill(1, 10));
  const ex: Extent[] = [
    { length: 2 * BB, zero: true, hole: true },
    { length: 2 * BB, zero: false },
    { length: 3 * BB, zero: true, hole: true },
    { length: BB, zero: false },
    { length: 2 * BB, zero: true, hole: true },
  ];
  assert.deepEqual(await thin.extents(0, 10 * BB), ex);
  assert.deepEqual(await thin.extents(2 * BB + 5, 100), [{ length: 100, zero: false }]);
  assert.deepEqual(await thin.extents(BB, BB + 10), [
    { length: BB, zero: true, hole: true },
    { length: 10, zero: false },
  ]);
  await pool.close();
});

test('writeZeroes unmaps whole blocks, writes zeros into mapped partial ones, and keeps blocks allocated with noUnmap', async () => {
  const { pool } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 8 * BB);
  for (let v = 0; v < 4; v++) await thin.write(v * BB, fill(0x55));
  await thin.writeZeroes(BB / 2, 2 * BB);
  assert.deepEqual(await thin.read(0, 4 * BB), new Uint8Array(4 * BB).fill(0x55, 0, BB / 2).fill(0x55, BB / 2 + 2 * BB));
  assert.equal(thin.status(), `${3 * BS} ${4 * BS - 1}`, 'block 1 went, blocks 0 and 2 stay');
  await thin.writeZeroes(5 * BB, BB, true);
  assert.equal(thin.status(), `${4 * BS} ${6 * BS - 1}`, 'NOUNMAP provisions');
  assert.deepEqual(await thin.read(5 * BB, BB), new Uint8Array(BB));
  await thin.writeZeroes(6 * BB + 10, 10);
  assert.equal(thin.status(), `${4 * BS} ${6 * BS - 1}`, 'zeroing an unmapped range allocates nothing');
  await pool.close();
});

test('concurrent writers of one unprovisioned block share one data block, and each write lands', async () => {
  const { pool, meta } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 8 * BB);
  await Promise.all(Array.from({ length: 16 }, (_, i) => thin.write(BB + i * 1024, fill(i + 1, 1024))));
  assert.equal(usedData(pool.status()), 1);
  const back = await thin.read(BB, 16 * 1024);
  for (let i = 0; i < 16; i++) assert.equal(back[i * 1024 + 10], i + 1);
  assert.equal(pool.prison.size, 0, 'no cell is left behind');
  // And many blocks at once.
  await Promise.all(Array.from({ length: 6 }, (_, i) => thin.write((2 + i) * BB, fill(i + 1))));
  assert.equal(usedData(pool.status()), 7);
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
});

test('flush commits: a reopened pool sees what was written before it, and the periodic commit writes the rest', async () => {
  const { pool, meta, data, dataDev } = poolLab({ commitPeriodMs: 30 });
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 8 * BB);
  await thin.write(0, fill(1));
  await thin.flush();
  const copy = new MemoryDevice('/copy', meta.size);
  copy.write(0, meta.read(0, meta.size));
  const seen: number[] = [];
  ThinMetadata.open(copy).mappings(0, (v) => void seen.push(v));
  assert.deepEqual(seen, [0]);
  await thin.write(BB, fill(2));
  await new Promise((r) => setTimeout(r, 120));
  const later: number[] = [];
  ThinMetadata.open(meta).mappings(0, (v) => void later.push(v));
  assert.deepEqual(later, [0, 1], 'committed by the timer without a flush');
  thin.release();
  await pool.close();
  const again = poolLab({ metadata: meta, data, dataDev });
  const t2 = again.pool.thin(0, 8 * BB);
  assert.deepEqual(await t2.read(BB, BB), fill(2));
  await again.pool.close();
});

test('thin_ctr refuses an unknown device id', () => {
  const { pool } = poolLab();
  assert.throws(() => pool.thin(3, BB), /Couldn't open thin internal device/);
  assert.throws(() => pool.thin(1 << 24, BB), /Invalid device id/);
  void pool.close();
});

test('a huge thin: discards, zeroing and extents walk the mappings, not the blocks', async () => {
  const { pool } = poolLab();
  await pool.message('create_thin 0');
  const size = 2 ** 40; // 16M blocks of 64 KiB
  const thin = pool.thin(0, size);
  for (const v of [5, 1 << 20, (1 << 24) - 1]) await thin.write(v * BB, fill(1));
  const t0 = Date.now();
  assert.deepEqual(await thin.extents(0, size), [
    { length: 5 * BB, zero: true, hole: true },
    { length: BB, zero: false },
    { length: ((1 << 20) - 6) * BB, zero: true, hole: true },
    { length: BB, zero: false },
    { length: ((1 << 24) - 1 - (1 << 20) - 1) * BB, zero: true, hole: true },
    { length: BB, zero: false },
  ]);
  await thin.writeZeroes(BB / 2, size - BB);
  assert.equal(thin.status(), `${BS} ${2 ** 31 - 1}`, 'the last block was only half covered: zeroed, still mapped');
  const lastBlock = await thin.read(size - BB, BB);
  assert.ok(lastBlock.subarray(0, BB / 2).every((b) => b === 0) && lastBlock.subarray(BB / 2).every((b) => b === 1));
  await thin.write(7 * BB, fill(1));
  await thin.discard(0, size);
  assert.equal(thin.status(), '0 -');
  assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  await pool.close();
});

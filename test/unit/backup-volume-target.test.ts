// Instant restore's read-only target: a backup volume read back through its chunks equals the
// image it was cut from, at any offset and length; zero chunks cost no fetch; the cache stays
// within its bytes; readers of one chunk share one fetch; a sequential reader is read ahead of.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { VolumeTarget } from '../../src/backup/volume-target.ts';
import { ChunkCache } from '../../src/backup/chunk-cache.ts';
import { TargetIoError } from '../../src/mapper/target.ts';
import { FakeChunkSource, backupOf, prng } from '../helpers/fake-chunks.ts';

const KiB = 1024;
const CS = 64 * KiB;

/**
 * 20 chunks and a partial 21st: random data, with chunks 3, 4 and 11 all zeros, chunk 15 a copy
 * of chunk 2 (deduplicated), and a zero run crossing into chunk 7 that does not make it a zero chunk.
 */
function image(): Uint8Array {
  const img = new Uint8Array(20 * CS + 12345);
  img.set(randomBytes(img.length));
  img.fill(0, 3 * CS, 5 * CS);
  img.fill(0, 11 * CS, 12 * CS);
  img.fill(0, 6 * CS + 100, 7 * CS + 10);
  img.copyWithin(15 * CS, 2 * CS, 3 * CS);
  return img;
}

const eqBytes = (a: Uint8Array, b: Uint8Array, what: string) => assert.ok(Buffer.from(a).equals(Buffer.from(b)), what);

test('random reads equal the image; boundaries, the last partial chunk and the end', async () => {
  const img = image();
  const src = new FakeChunkSource();
  const vol = backupOf(img, CS, src);
  assert.deepEqual([3, 4, 11].map((i) => vol.chunks[i]), [null, null, null]);
  assert.equal(vol.chunks[15], vol.chunks[2]);
  const t = new VolumeTarget(vol, src);
  assert.equal(t.size, img.length);
  const rnd = prng(11);
  for (let k = 0; k < 400; k++) {
    const off = rnd(img.length);
    const len = Math.min(img.length - off, rnd(k % 4 === 0 ? 5 * CS : 9000) + 1);
    eqBytes(await t.read(off, len), img.subarray(off, off + len), `read ${len} at ${off}`);
  }
  // Around every chunk boundary, into a caller's buffer (the NBD reply) at an offset.
  for (let i = 1; i <= 20; i++) {
    const into = new Uint8Array(300);
    await t.read(i * CS - 100, Math.min(200, img.length - (i * CS - 100)), into.subarray(50));
    eqBytes(into.subarray(50, 250), img.subarray(i * CS - 100, i * CS + 100), `across boundary ${i}`);
  }
  eqBytes(await t.read(20 * CS, 12345), img.subarray(20 * CS), 'the last, partial chunk');
  eqBytes(await t.read(img.length - 1, 1), img.subarray(img.length - 1), 'the last byte');
  eqBytes(await t.read(0, img.length), img, 'everything at once');
  assert.equal((await t.read(img.length, 0)).length, 0);
  await assert.rejects(t.read(img.length - 10, 11), (e: unknown) => e instanceof TargetIoError && e.code === 'EINVAL');
});

test('zero chunks are never fetched, deduplicated chunks once; extents show zero chunks as holes', async () => {
  const img = image();
  const src = new FakeChunkSource();
  const vol = backupOf(img, CS, src);
  const t = new VolumeTarget(vol, src, { readAhead: 0 });
  eqBytes(await t.read(3 * CS, 2 * CS), img.subarray(3 * CS, 5 * CS), 'zero chunks 3 and 4');
  eqBytes(await t.read(11 * CS + 7, 100), img.subarray(11 * CS + 7, 11 * CS + 107), 'in zero chunk 11');
  assert.equal(src.fetchCount, 0, 'reads inside zero chunks fetch nothing');
  for (let at = 0; at < img.length; at += 7777) await t.read(at, Math.min(7777, img.length - at));
  const distinct = new Set(vol.chunks.filter((c) => c !== null));
  assert.equal(src.fetchCount, distinct.size, 'each distinct non-zero chunk fetched once (the cache holds them all)');
  assert.equal(distinct.size, 21 - 3 - 1);
  assert.equal(t.cache.stats.zeroBytesServed > 0, true);

  assert.deepEqual(await t.extents(0, img.length), [
    { length: 3 * CS, zero: false },
    { length: 2 * CS, zero: true, hole: true },
    { length: 6 * CS, zero: false },
    { length: CS, zero: true, hole: true },
    { length: 8 * CS + 12345, zero: false },
  ]);
  assert.deepEqual(await t.extents(3 * CS + 5, CS), [{ length: CS, zero: true, hole: true }]);
  assert.deepEqual(await t.extents(5 * CS - 5, 10), [
    { length: 5, zero: true, hole: true },
    { length: 5, zero: false },
  ]);
});

test('the cache stays within its bytes under a random workload, and still serves hits', async () => {
  const img = image();
  const src = new FakeChunkSource();
  const vol = backupOf(img, CS, src);
  const cache = new ChunkCache(src, 5 * CS);
  const t = new VolumeTarget(vol, cache);
  const rnd = prng(5);
  for (let k = 0; k < 300; k++) {
    // Bursts of concurrent reads, some spanning several chunks.
    await Promise.all(
      Array.from({ length: 4 }, () => {
        const off = rnd(img.length);
        const len = Math.min(img.length - off, rnd(3 * CS) + 1);
        return t.read(off, len).then((b) => eqBytes(b, img.subarray(off, off + len), `read ${len} at ${off}`));
      }),
    );
    assert.ok(cache.heldBytes <= 5 * CS, `${cache.heldBytes} bytes held`);
  }
  assert.ok(cache.stats.cachePeakBytes <= 5 * CS);
  assert.ok(cache.stats.cachePeakBytes >= 4 * CS, 'the cache is used up to its bound');
  assert.ok(cache.stats.cacheHits > 0, 'hits');
  assert.ok(src.fetchCount > new Set(vol.chunks.filter(Boolean)).size, 'evicted chunks are fetched again');
  assert.equal(cache.stats.chunksFetched, src.fetchCount);
});

test('concurrent reads of one chunk share one fetch; a failed fetch is an EIO and is retried', async () => {
  const img = image();
  const src = new FakeChunkSource();
  src.delayMs = 20;
  const vol = backupOf(img, CS, src);
  const t = new VolumeTarget(vol, src, { readAhead: 0 });
  const reads = Array.from({ length: 16 }, (_, k) => t.read(8 * CS + k * 1000, 3000));
  const got = await Promise.all(reads);
  got.forEach((b, k) => eqBytes(b, img.subarray(8 * CS + k * 1000, 8 * CS + k * 1000 + 3000), `reader ${k}`));
  assert.equal(src.fetchCount, 1);
  assert.equal(t.cache.stats.sharedFetches, 15);

  src.failing.add(vol.chunks[9]!);
  const r = await Promise.allSettled([t.read(9 * CS, 10), t.read(9 * CS + 20, 10)]);
  for (const x of r) assert.ok(x.status === 'rejected' && x.reason instanceof TargetIoError && x.reason.code === 'EIO' && /unreadable/.test(x.reason.message));
  assert.equal(src.fetches.get(vol.chunks[9]!), 1, 'both readers waited on one failed fetch');
  src.failing.clear();
  eqBytes(await t.read(9 * CS, 10), img.subarray(9 * CS, 9 * CS + 10), 'the next reader fetches again');
});

test('fetches running at once are bounded, however many readers ask for distinct chunks', async () => {
  const img = image();
  const src = new FakeChunkSource();
  src.delayMs = 5;
  const vol = backupOf(img, CS, src);
  const t = new VolumeTarget(vol, new ChunkCache(src, 64 * CS, undefined, 3));
  const offs = vol.chunks.flatMap((c, i) => (c ? [i * CS + 10] : []));
  const got = await Promise.all(offs.map((o) => t.read(o, 100)));
  got.forEach((b, k) => eqBytes(b, img.subarray(offs[k]!, offs[k]! + 100), `at ${offs[k]}`));
  assert.equal(src.maxRunning, 3);
  assert.ok(src.fetchCount >= 15);
});

test('a chunk of the wrong length is an I/O error, not shifted data', async () => {
  const img = image();
  const src = new FakeChunkSource();
  const vol = backupOf(img, CS, src);
  src.chunks.set(vol.chunks[1]!, src.chunks.get(vol.chunks[1]!)!.subarray(1));
  const t = new VolumeTarget(vol, src);
  await assert.rejects(t.read(CS + 5, 10), (e: unknown) => e instanceof TargetIoError && e.code === 'EIO' && /65535 bytes, 65536 expected/.test(e.message));
});

test('a sequential reader gets the next chunks fetched ahead, each chunk still fetched once', async () => {
  const img = image();
  const src = new FakeChunkSource();
  src.delayMs = 5;
  const vol = backupOf(img, CS, src);
  const t = new VolumeTarget(vol, src, { readAhead: 2 });
  // Reading chunk by chunk: after the first, the next is already on its way.
  for (let at = 0; at < img.length; at += 16 * KiB) eqBytes(await t.read(at, Math.min(16 * KiB, img.length - at)), img.subarray(at, Math.min(img.length, at + 16 * KiB)), `at ${at}`);
  const distinct = new Set(vol.chunks.filter(Boolean)).size;
  assert.equal(src.fetchCount, distinct);
  assert.ok(t.cache.stats.readAheadFetches >= distinct - 2, `${t.cache.stats.readAheadFetches} read ahead of ${distinct}`);
  // Random reads far apart trigger none.
  const src2 = new FakeChunkSource();
  const t2 = new VolumeTarget(backupOf(img, CS, src2), src2, { readAhead: 2 });
  for (const i of [0, 9, 2, 17, 13, 6]) await t2.read(i * CS, 10);
  assert.equal(t2.cache.stats.readAheadFetches, 0);
});

test('writes, discards and zeroing are refused with EPERM; the target says it is read-only', async () => {
  const src = new FakeChunkSource();
  const t = new VolumeTarget(backupOf(image(), CS, src), src);
  assert.equal(t.caps.readOnly, true);
  for (const op of [() => t.write(0, new Uint8Array(10)), () => t.discard(0, 4096), () => t.writeZeroes(0, 4096)]) {
    await assert.rejects(op(), (e: unknown) => e instanceof TargetIoError && e.code === 'EPERM');
  }
  await t.flush();
  // A chunk list that does not fit the size is refused up front.
  const bad = backupOf(image(), CS, src);
  bad.chunks.pop();
  assert.throws(() => new VolumeTarget(bad, src), /20 chunks for 1323065 bytes in chunks of 65536, 21 expected/);
});

// Instant restore's writable target: writes, zeroing and discards land in the overlay (a sparse
// file and a bitmap of written 4 KiB blocks), reads mix overlay and backup exactly as a model
// buffer says, the backup is never written, and the overlay survives a re-open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VolumeTarget } from '../../src/backup/volume-target.ts';
import { OverlayTarget } from '../../src/backup/overlay-target.ts';
import { TargetIoError } from '../../src/mapper/target.ts';
import { UlvmError } from '../../src/errors.ts';
import { FakeChunkSource, backupOf, prng } from '../helpers/fake-chunks.ts';

const CS = 64 * 1024;
const B = 4096;

function image(): Uint8Array {
  // Not a multiple of 4 KiB: the last overlay block is short.
  const img = new Uint8Array(12 * CS + 5000);
  img.set(randomBytes(img.length));
  img.fill(0, 2 * CS, 4 * CS);
  return img;
}

const eqBytes = (a: Uint8Array, b: Uint8Array, what: string) => assert.ok(Buffer.from(a).equals(Buffer.from(b)), what);

function setup(t: { after(f: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-overlay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = image();
  const src = new FakeChunkSource();
  const vol = backupOf(img, CS, src);
  const pristine = new Map([...src.chunks].map(([k, v]) => [k, v.slice()]));
  return { dir, img, src, vol, path: join(dir, 'vg0-data.overlay'), pristine };
}

test('random writes, zeroing and discards against a model; the backup is untouched; re-open sees them', async (t) => {
  const { img, src, vol, path, pristine } = setup(t);
  const model = img.slice();
  let ov = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  assert.equal(ov.caps.readOnly, false);
  assert.equal(statSync(path).size, img.length);
  const rnd = prng(7);
  const check = async (what: string) => {
    for (let k = 0; k < 20; k++) {
      const off = rnd(img.length);
      const len = Math.min(img.length - off, rnd(3 * CS) + 1);
      eqBytes(await ov.read(off, len), model.subarray(off, off + len), `${what}: read ${len} at ${off}`);
    }
  };
  for (let k = 0; k < 300; k++) {
    const off = rnd(img.length);
    const len = Math.min(img.length - off, rnd(k % 5 === 0 ? 2 * CS : 10000) + 1);
    const op = rnd(10);
    if (op < 7) {
      const d = randomBytes(len);
      await ov.write(off, d);
      model.set(d, off);
    } else if (op < 9) {
      await ov.writeZeroes(off, len, op === 8);
      model.fill(0, off, off + len);
    } else {
      // Discard: only whole blocks change (to zeros); the partial ones at the edges stay.
      await ov.discard(off, len);
      const from = Math.ceil(off / B) * B;
      const to = off + len === img.length ? img.length : Math.floor((off + len) / B) * B;
      if (to > from) model.fill(0, from, to);
    }
    if (k % 30 === 0) await check(`after op ${k}`);
  }
  // Writes at the very start and end, and the short last block.
  await ov.write(0, Uint8Array.of(1, 2, 3));
  model.set([1, 2, 3], 0);
  await ov.write(img.length - 2, Uint8Array.of(9, 8));
  model.set([9, 8], img.length - 2);
  await assert.rejects(ov.write(img.length - 1, Uint8Array.of(1, 2)), (e: unknown) => e instanceof TargetIoError && e.code === 'EINVAL');
  eqBytes(await ov.read(0, img.length), model, 'the whole volume');

  // The backup's chunks are as they were, and a plain read of the backup still gives the image.
  for (const [id, c] of src.chunks) eqBytes(c, pristine.get(id)!, `chunk ${id}`);
  eqBytes(await new VolumeTarget(vol, src).read(0, img.length), img, 'the backup itself');

  const written = ov.bitmap.count();
  await ov.close();
  ov = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  assert.equal(ov.bitmap.count(), written);
  eqBytes(await ov.read(0, img.length), model, 'after re-open');
  await ov.close();
  // Read-only over the same overlay: the writes show, new writes are refused.
  const ro = await OverlayTarget.open(new VolumeTarget(vol, src), path, { readOnly: true });
  assert.equal(ro.caps.readOnly, true);
  eqBytes(await ro.read(0, img.length), model, 'read-only over the overlay');
  await assert.rejects(ro.write(0, Uint8Array.of(1)), (e: unknown) => e instanceof TargetIoError && e.code === 'EPERM');
  await ro.close();
});

test('only flushed writes are promised to survive: the bitmap reaches the disk at flush', async (t) => {
  const { img, src, vol, path } = setup(t);
  const ov = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  await ov.write(5 * B + 10, Uint8Array.of(7, 7, 7));
  const bits = () => readFileSync(`${path}.bitmap`).subarray(4096);
  assert.equal(bits()[0], 0, 'not on disk before the flush');
  await ov.flush();
  assert.equal(bits()[0], 1 << 5, 'block 5 on disk after it');
  // A crash now (no close): a fresh open sees the flushed write.
  const again = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  const expect = img.slice(5 * B, 6 * B);
  expect.set([7, 7, 7], 10);
  eqBytes(await again.read(5 * B, B), expect, 'the flushed write, with the rest of its block from the backup');
  await again.close();
  await ov.close();
});

test('an overlay made over one backup is refused over another', async (t) => {
  const { src, vol, path } = setup(t);
  const ov = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  await ov.write(0, Uint8Array.of(1));
  await ov.close();
  const other = { ...vol, chunks: [...vol.chunks] };
  other.chunks[5] = null;
  await assert.rejects(OverlayTarget.open(new VolumeTarget(other, src), path), (e: unknown) => e instanceof UlvmError && /belongs to another volume or backup/.test(e.message));
});

test('overlapping partial-block writes in flight at once apply in arrival order', async (t) => {
  const { img, src, vol, path } = setup(t);
  src.delayMs = 15; // the read-modify-write reads the backup slowly
  const ov = await OverlayTarget.open(new VolumeTarget(vol, src, { readAhead: 0 }), path);
  const a = new Uint8Array(100).fill(0xaa);
  const b = new Uint8Array(100).fill(0xbb);
  const c = new Uint8Array(B).fill(0xcc);
  // b overlaps a; c covers block 1 whole while a partial write of it is in flight.
  await Promise.all([ov.write(B + 1000, a), ov.write(B + 1050, b), ov.write(2 * B - 20, new Uint8Array(40).fill(0xdd)), ov.write(B, c)]);
  const expect = img.slice(0, 3 * B);
  expect.set(a, B + 1000);
  expect.set(b, B + 1050);
  expect.fill(0xdd, 2 * B - 20, 2 * B + 20);
  expect.set(c, B);
  eqBytes(await ov.read(0, 3 * B), expect, 'the writes, in arrival order');
  await ov.close();
});

test('extents: blocks the overlay holds as data or holes, the rest from the backup', async (t) => {
  const { src, vol, path } = setup(t);
  const ov = await OverlayTarget.open(new VolumeTarget(vol, src), path);
  assert.deepEqual(await ov.extents(0, 5 * CS), [
    { length: 2 * CS, zero: false },
    { length: 2 * CS, zero: true, hole: true },
    { length: CS, zero: false },
  ]);
  await ov.write(2 * CS, new Uint8Array(B).fill(1)); // data in a zero chunk
  await ov.discard(CS, 4 * B); // a hole where the backup has data
  const e = await ov.extents(0, 5 * CS);
  assert.deepEqual(e, [
    { length: CS, zero: false },
    { length: 4 * B, zero: true, hole: true },
    { length: CS - 4 * B + B, zero: false },
    { length: 2 * CS - B, zero: true, hole: true },
    { length: CS, zero: false },
  ]);
  await ov.close();
});

test('serving read-only without an overlay on disk serves the backup as it is', async (t) => {
  const { img, src, vol, path } = setup(t);
  const ro = await OverlayTarget.open(new VolumeTarget(vol, src), path, { readOnly: true });
  eqBytes(await ro.read(0, img.length), img, 'the backup');
  await assert.rejects(ro.writeZeroes(0, B), (e: unknown) => e instanceof TargetIoError && e.code === 'EPERM');
  await ro.close();
  assert.throws(() => statSync(path), /ENOENT/, 'nothing created');
});

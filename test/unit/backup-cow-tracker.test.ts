// The classic-snapshot tracker: the kept snapshot's exception table, read from its COW's extents,
// names exactly the origin chunks written since it was taken (over several table areas, a chunk
// written twice once); an overflowed or merging snapshot reads everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, MemoryDisks } from '../../src/index.ts';
import { cowChanges } from '../../src/backup/track/cow.ts';
import { seededRandom } from '../../src/backup/audit.ts';

const MiB = 1024 * 1024;
const KiB = 1024;

function setup(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-cowtrack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 96 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, now: () => 1_700_000_000, activation: 'in-process', assumeYes: true });
  t.after(() => s.close());
  return { s, src: { devices: ['/dev/mema'], opener: disks } };
}

test('cow tracker: the exceptions are exactly the chunks written after the snapshot', async (t) => {
  const { s, src } = setup(t);
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '32m' });
  const h = await s.open('vg/data');
  await h.write(0, new Uint8Array(4 * MiB).fill(1));
  await s.createSnapshot({ vg: 'vg', origin: 'data', name: 'prev', size: '16m', chunkSize: 8 });
  assert.deepEqual(await cowChanges(src, 'vg', 'prev'), { tracker: 'cow-exceptions', ranges: [] });
  const rnd = seededRandom(3);
  const chunks = new Set<number>();
  // 600 writes of 4 KiB chunks: more than two table areas of 256 records.
  for (let i = 0; i < 600; i++) {
    const c = Math.floor(rnd() * 8192);
    chunks.add(c);
    await h.write(c * 4 * KiB + Math.floor(rnd() * 3000), new Uint8Array(1000).fill(i & 0xff));
  }
  // One write across two chunks, one of zeros, and a discard (not passed down an origin, as the kernel's: no change).
  await h.write(100 * 4 * KiB - 10, new Uint8Array(20));
  chunks.add(99).add(100);
  await h.write(8000 * 4 * KiB, new Uint8Array(8 * KiB));
  await h.discard(7000 * 4 * KiB, 8 * KiB);
  chunks.add(8000).add(8001);
  const want: { offset: number; length: number }[] = [];
  for (const c of [...chunks].sort((a, b) => a - b)) {
    const last = want[want.length - 1];
    if (last && last.offset + last.length === c * 4 * KiB) last.length += 4 * KiB;
    else want.push({ offset: c * 4 * KiB, length: 4 * KiB });
  }
  const got = await cowChanges(src, 'vg', 'prev');
  assert.equal(got.tracker, 'cow-exceptions');
  assert.deepEqual(got.ranges, want);
  // Through a Session the PVs are found by the VG.
  assert.deepEqual((await cowChanges(s, 'vg', 'prev')).ranges, want);
  await h.close();
});

test('cow tracker: an overflowed snapshot and a merging one read everything', async (t) => {
  const { s, src } = setup(t);
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: '32m' });
  await s.createSnapshot({ vg: 'vg', origin: 'data', name: 'small', size: '4m' });
  const h = await s.open('vg/data');
  await h.write(0, new Uint8Array(8 * MiB).fill(2));
  const over = await cowChanges(src, 'vg', 'small');
  assert.equal(over.ranges, 'all');
  assert.match(over.note ?? '', /invalid \(it overflowed\)/);
  await h.close();
  await s.removeLv({ vg: 'vg', lvs: ['small'] });
  await s.createSnapshot({ vg: 'vg', origin: 'data', name: 'keep', size: '8m' });
  // The origin is open: the merge waits for its next activation, and the metadata says merging.
  const h2 = await s.open('vg/data');
  await s.mergeSnapshot({ vg: 'vg', snapshot: 'keep', wait: false });
  const merging = await cowChanges(src, 'vg', 'keep');
  assert.equal(merging.ranges, 'all');
  assert.match(merging.note ?? '', /merging/);
  await h2.close();
});

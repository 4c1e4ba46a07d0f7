// Thin provisioning through the library's Session on memory disks: a pool, a thin LV bigger than
// the pool, writes through open() that provision blocks (Data% as lvs computes it), a thin
// snapshot that keeps the old data while its origin changes, and the changed blocks between them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, MemoryDisks } from '../../src/index.ts';

const MiB = 1024 * 1024;

test('a thin pool, an over-provisioned thin LV and a thin snapshot through the Session', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-api-thin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, now: () => 1_700_000_000, activation: 'in-process' });
  t.after(() => s.close());
  const warnings: string[] = [];
  s.on('warning', (m) => warnings.push(m));
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  const pool = await s.createThinPool({ vg: 'vg', name: 'pool', size: '8m' });
  assert.equal(pool.attr, 'twi-a-tz--');
  assert.equal(pool.dataPercent, 0);
  const thin = await s.createThin({ vg: 'vg', pool: 'pool', name: 't', virtualSize: 16 * MiB });
  assert.equal(thin.attr, 'Vwi-a-tz--');
  assert.equal(thin.pool, 'pool');
  assert.ok(warnings.some((w) => w.startsWith('WARNING: Sum of all thin volume sizes (16.00 MiB) exceeds the size of thin pool vg/pool')), warnings.join('\n'));
  const h = await s.open('vg/t');
  await h.write(0, new Uint8Array(MiB).fill(7));
  await h.flush();
  const after = (await s.listLvs('vg')).find((l) => l.name === 't')!;
  // 1 MiB of 16 MiB mapped: 6.25%.
  assert.equal(after.dataPercent, 6.25);
  assert.equal((await s.listLvs('vg')).find((l) => l.name === 'pool')!.dataPercent, 12.5);
  const snap = await s.createThin({ vg: 'vg', origin: 't', name: 'snap', activationSkip: false });
  assert.equal(snap.origin, 't');
  await h.write(0, new Uint8Array(4096).fill(9));
  const sh = await s.open('vg/snap');
  assert.equal((await sh.read(0, 4096))[0], 7, 'the snapshot kept the old data');
  assert.equal((await h.read(0, 4096))[0], 9);
  // What changed since the snapshot: block 0 of t (written after it), nothing else.
  await h.write(5 * MiB, new Uint8Array(70_000).fill(3));
  const d = await s.changedBlocks('vg', 'snap', 't');
  assert.equal(d.blockSize, 64 * 1024);
  assert.deepEqual(d.ranges, [
    { kind: 'different', offset: 0, length: 64 * 1024 },
    { kind: 'right_only', offset: 5 * MiB, length: 2 * 64 * 1024 },
  ]);
  // The pool keeps serving while the query reads its metadata snapshot.
  await h.write(12 * MiB, new Uint8Array(4096).fill(1));
  assert.equal((await s.changedBlocks('vg', 'snap', 't')).ranges.length, 3);
  sh.close();
  h.close();
});

test('a pool on striped data reads back what was written across its stripes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-api-thin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  disks.add('/dev/memb', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema', '/dev/memb'], opener: disks, activation: 'in-process' });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema', '/dev/memb'] });
  await s.createThinPool({ vg: 'vg', name: 'pool', size: '16m', stripes: 2, stripeSize: 128 });
  const data = (await s.listLvs('vg')).length;
  assert.equal(data, 1, 'the pool is the only visible LV');
  await s.createThin({ vg: 'vg', pool: 'pool', name: 't', virtualSize: 32 * MiB });
  const h = await s.open('vg/t');
  const buf = new Uint8Array(3 * MiB).map((_, i) => (i * 7) & 255);
  await h.write(MiB, buf);
  await h.flush();
  assert.deepEqual(await h.read(MiB, buf.length), buf);
  h.close();
});

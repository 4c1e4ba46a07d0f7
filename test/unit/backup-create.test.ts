// Backups through the library on memory disks with in-process activation: a first backup reads
// everything, the next reads only what the tracker says changed (a thin pool's delta between the
// two backup snapshots; a kept classic snapshot's exceptions), every backup restores to exactly
// the bytes of its instant, a differential restore writes only what differs, the self-audit
// catches a write the tracker could not see, and a failed run leaves no snapshot and no backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Session, MemoryDisks } from '../../src/index.ts';
import { Repository } from '../../src/backup/repo/repository.ts';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { createBackup, estimateBackup } from '../../src/backup/create.ts';
import { fileWriter, restoreVolume } from '../../src/backup/restore.ts';
import { openLvIo, readerOf } from '../../src/backup/lv-io.ts';
import { BACKUP_TAG } from '../../src/backup/naming.ts';
import type { MemoryDevice } from '../../src/devices/memory.ts';

const MiB = 1024 * 1024;
const KEY = { passphrase: 'correct horse' };
const CHEAP = { N: 1024, r: 8, p: 1 };

async function lab(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-backup-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  const pv = disks.add('/dev/mema', 96 * MiB);
  const s = new Session({ dir: join(dir, 'state'), devices: ['/dev/mema'], opener: disks, activation: 'in-process', assumeYes: true });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  const repo = await Repository.init(new LocalStorage(join(dir, 'repo'), { create: true }), KEY, { chunkSize: MiB, kdf: CHEAP });
  const reader = async (vg: string, lv: string) => readerOf(await openLvIo(s, undefined, vg, lv));
  return { dir, disks, pv, s, repo, reader };
}

/** Some data, some zeros, some repeats: what a filesystem image looks like to a chunker. */
function content(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let off = 0; off < size; off += MiB) {
    const k = (off / MiB) % 4;
    if (k === 1) continue; // zero chunk
    if (k === 3) b.fill(0x5a, off, off + MiB); // the same chunk again and again
    else randomBytes(MiB).copy(b, off);
  }
  return b;
}

async function writeAll(s: Session, name: string, data: Uint8Array): Promise<void> {
  const h = await s.open(name);
  await h.write(0, data);
  await h.close();
}

async function restoredFile(repo: Repository, dir: string, id: string, lv: string): Promise<Buffer> {
  const m = await repo.loadBackup(id);
  const v = m.volumes.find((x) => x.lv === lv)!;
  const path = join(dir, `${id.slice(0, 8)}-${lv}.img`);
  const { writer, created } = await fileWriter(path, v.size);
  await restoreVolume(repo, v, writer, { targetIsNew: created });
  await writer.close();
  return readFileSync(path);
}

test('thin: a full backup, then an incremental one reading only the pool delta; both restore exactly', async (t) => {
  const { dir, s, repo, reader } = await lab(t);
  await s.createThinPool({ vg: 'vg', name: 'pool', size: '48m' });
  await s.createThin({ vg: 'vg', pool: 'pool', name: 'db', virtualSize: 16 * MiB });
  const v1 = content(16 * MiB);
  await writeAll(s, 'vg/db', v1);

  const b1 = await createBackup(s, repo, { vg: 'vg', lvs: ['db'], reader });
  const vol1 = b1.volumes[0]!;
  assert.equal(vol1.tracker, 'full');
  assert.equal(vol1.bytesRead, 16 * MiB);
  assert.equal(b1.stats.chunksZero, 4, 'a zero chunk is stored as nothing');
  // Four identical 0x5a chunks are one chunk in the repository.
  assert.equal(b1.stats.chunksNew, 8 + 1);
  assert.equal(vol1.chunks.filter((c) => c === null).length, 4);
  assert.equal(vol1.snapshot.kind, 'thin');
  const lvs1 = await s.listLvs('vg');
  const snap1 = lvs1.find((l) => l.name === vol1.snapshot.name);
  assert.ok(snap1, 'the thin snapshot is kept as the next run\'s base');
  assert.ok(snap1.tags.includes(BACKUP_TAG));

  // Change 1 MiB in one place and 4 KiB in another.
  const v2 = Buffer.from(v1);
  randomBytes(MiB).copy(v2, 5 * MiB);
  randomBytes(4096).copy(v2, 11 * MiB + 8192);
  const h = await s.open('vg/db');
  await h.write(5 * MiB, v2.subarray(5 * MiB, 6 * MiB));
  await h.write(11 * MiB + 8192, v2.subarray(11 * MiB + 8192, 11 * MiB + 8192 + 4096));
  await h.close();

  const est = await estimateBackup(s, repo, { vg: 'vg', lvs: ['db'] });
  assert.equal(est.volumes[0]!.tracker, 'thin-delta');
  assert.equal(est.bytesToRead, 2 * MiB);

  const b2 = await createBackup(s, repo, { vg: 'vg', lvs: ['db'], reader, auditSample: 4 });
  const vol2 = b2.volumes[0]!;
  assert.equal(vol2.tracker, 'thin-delta');
  assert.equal(b2.parent, b1.id);
  assert.equal(vol2.audit.sampled, 4);
  assert.equal(vol2.audit.mismatched, 0);
  // Two changed chunks read for the volume; the audit's four more in the backup's total.
  assert.equal(vol2.bytesRead, 2 * MiB);
  assert.equal(b2.stats.bytesRead, 2 * MiB + 4 * MiB);
  assert.equal(b2.stats.chunksNew, 2);
  const lvs2 = await s.listLvs('vg');
  assert.ok(!lvs2.some((l) => l.name === vol1.snapshot.name), 'the superseded snapshot is removed');
  assert.ok(lvs2.some((l) => l.name === vol2.snapshot.name));

  assert.ok((await restoredFile(repo, dir, b1.id, 'db')).equals(v1), 'backup 1 restores the bytes of its instant');
  assert.ok((await restoredFile(repo, dir, b2.id, 'db')).equals(v2), 'backup 2 restores the bytes of its instant');
  const listed = await repo.listBackups();
  assert.deepEqual(listed.map((b) => b.id), [b1.id, b2.id]);
});

test('classic: a kept COW snapshot\'s exceptions drive the next run; a write behind LVM\'s back fails the audit', async (t) => {
  const { dir, pv, s, repo, reader } = await lab(t);
  await s.createLv({ vg: 'vg', name: 'data', size: '12m' });
  const v1 = content(12 * MiB);
  await writeAll(s, 'vg/data', v1);
  const b1 = await createBackup(s, repo, { vg: 'vg', lvs: ['data'], reader, keepCow: true, cowSize: 8 * MiB });
  assert.equal(b1.volumes[0]!.snapshot.kind, 'cow');
  const v2 = Buffer.from(v1);
  randomBytes(8192).copy(v2, 3 * MiB + 4096);
  await writeAll(s, 'vg/data', v2);
  const b2 = await createBackup(s, repo, { vg: 'vg', lvs: ['data'], reader, keepCow: true, cowSize: 8 * MiB, auditSample: 100 });
  assert.equal(b2.volumes[0]!.tracker, 'cow-exceptions');
  assert.equal(b2.stats.chunksNew, 1);
  assert.ok((await restoredFile(repo, dir, b2.id, 'data')).equals(v2));

  // Bytes changed on the PV under the origin, not through it: no exception records them.
  const lv = (await s.listLvs('vg')).find((l) => l.name === 'data')!;
  const start = lv.segments[0]!.areas[0]!.start;
  const vg = (await s.listVgs()).find((v) => v.name === 'vg')!;
  const peStart = (await s.listPvs())[0]!;
  void peStart;
  const extentBytes = vg.extentSize * 512;
  // pe_start is lvm2's default 1 MiB on a fresh PV.
  (pv as MemoryDevice).write(MiB + start * extentBytes + 7 * MiB, randomBytes(512));
  await assert.rejects(
    createBackup(s, repo, { vg: 'vg', lvs: ['data'], reader, keepCow: true, cowSize: 8 * MiB, auditSample: 1000 }),
    (e: Error & { code?: string }) => e.code === 'BACKUP_AUDIT_FAILED',
  );
  assert.equal((await repo.listBackups()).length, 2, 'a failed audit stores no backup');
  const left = (await s.listLvs('vg')).filter((l) => l.tags.includes(BACKUP_TAG)).map((l) => l.name);
  assert.deepEqual(left, [b2.volumes[0]!.snapshot.name], 'the failed run removed the snapshot it made');
});

test('classic without a kept snapshot: the change map rotated at the instant drives the next run', async (t) => {
  const { dir, s, repo, reader } = await lab(t);
  await s.createLv({ vg: 'vg', name: 'plain', size: '16m' });
  const v1 = content(16 * MiB);
  await writeAll(s, 'vg/plain', v1);
  const b1 = await createBackup(s, repo, { vg: 'vg', lvs: ['plain'], reader, cowSize: 8 * MiB });
  assert.equal(b1.volumes[0]!.snapshot.kind, 'none');
  assert.equal(typeof b1.volumes[0]!.changeMapGeneration, 'number');
  assert.ok(!(await s.listLvs('vg')).some((l) => l.tags.includes(BACKUP_TAG)), 'the temporary snapshot is gone');
  const v2 = Buffer.from(v1);
  randomBytes(4096).copy(v2, 9 * MiB + 100 * 1024);
  randomBytes(4096).copy(v2, 2 * MiB);
  const h = await s.open('vg/plain');
  await h.write(9 * MiB + 100 * 1024, v2.subarray(9 * MiB + 100 * 1024, 9 * MiB + 104 * 1024));
  await h.write(2 * MiB, v2.subarray(2 * MiB, 2 * MiB + 4096));
  await h.close();
  const b2 = await createBackup(s, repo, { vg: 'vg', lvs: ['plain'], reader, cowSize: 8 * MiB, auditSample: 3 });
  const v = b2.volumes[0]!;
  assert.equal(v.tracker, 'change-map');
  assert.equal(v.bytesRead, 2 * MiB, 'only the two regions written are read');
  assert.equal(v.changeMapGeneration, b1.volumes[0]!.changeMapGeneration! + 1);
  assert.ok((await restoredFile(repo, dir, b2.id, 'plain')).equals(v2));
  assert.ok((await restoredFile(repo, dir, b1.id, 'plain')).equals(v1));
});

test('a differential restore writes only the chunks that differ', async (t) => {
  const { dir, s, repo, reader } = await lab(t);
  await s.createThinPool({ vg: 'vg', name: 'pool', size: '40m' });
  await s.createThin({ vg: 'vg', pool: 'pool', name: 'db', virtualSize: 8 * MiB });
  const v1 = content(8 * MiB);
  await writeAll(s, 'vg/db', v1);
  const b = await createBackup(s, repo, { vg: 'vg', lvs: ['db'], reader });
  const path = join(dir, 'drift.img');
  const { writer } = await fileWriter(path, 8 * MiB);
  await writer.write(0, v1);
  await writer.write(6 * MiB + 5, Buffer.from('drift'));
  const st = await restoreVolume(repo, b.volumes[0]!, writer, { differential: true });
  await writer.close();
  assert.equal(st.chunksWritten, 1);
  assert.equal(st.chunksSame, 7);
  assert.ok(readFileSync(path).equals(v1));
});

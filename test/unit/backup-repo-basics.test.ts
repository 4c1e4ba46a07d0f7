// The repository's core promises: chunks round-trip, are stored once, zeros are stored as nothing,
// the key is required (and only the right one works), manifests are compact and listable without
// their chunk tables, and nothing readable (data, volume names) is in the files without the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/backup/repo/repository.ts';
import { encodeChunkTable, decodeChunkTable, isAllZero } from '../../src/backup/repo/manifest.ts';
import { UlvmError } from '../../src/errors.ts';
import { CHEAP_KDF, KEY, chunkData, manifest, newRepo, scratch, smallBackup } from './backup-repo-helpers.ts';

const code = (c: string) => (e: unknown) => e instanceof UlvmError && e.code === c;

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

test('chunks round-trip through a reopened repository, compressible and not', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const data = [chunkData('a', 65536), chunkData('b', 65536, true), chunkData('c', 1000)];
  const ids = data.map((d) => repo.chunkId(d));
  const stored: number[] = [];
  for (const [i, d] of data.entries()) stored.push((await repo.putChunk(ids[i]!, d)).stored);
  // Before the flush the chunks are readable from the open pack.
  assert.deepEqual(Buffer.from(await repo.readChunk(ids[1]!)), data[1]);
  await repo.flush();
  assert.ok(stored[1]! < 65536 / 10, `text compresses: ${stored[1]}`);
  assert.ok(stored[0]! >= 65536 && stored[0]! < 65536 + 64, `random is stored raw: ${stored[0]}`);
  const again = await Repository.open(storage, KEY);
  assert.equal(again.id, repo.id);
  assert.equal(again.chunkSize, 65536);
  for (const [i, d] of data.entries()) {
    assert.ok(again.has(ids[i]!));
    assert.deepEqual(Buffer.from(await again.readChunk(ids[i]!)), d);
  }
  await assert.rejects(again.readChunk('00'.repeat(32)), code('BACKUP_NOT_FOUND'));
});

test('dedup: the same chunk put twice (also concurrently, also after reopening) is stored once', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const d = chunkData('same', 65536);
  const id = repo.chunkId(d);
  const r = await Promise.all([repo.putChunk(id, d), repo.putChunk(id, d), repo.putChunk(id, d)]);
  assert.deepEqual(r.map((x) => x.isNew).sort(), [false, false, true]);
  assert.deepEqual(r.filter((x) => !x.isNew).map((x) => x.stored), [0, 0]);
  await repo.flush();
  const again = await Repository.open(storage, KEY);
  assert.deepEqual(await again.putChunk(id, d), { isNew: false, stored: 0 });
  await again.flush();
  const packs = await storage.list('data/');
  assert.equal(packs.length, 1);
  assert.ok((await storage.size(packs[0]!))! < 2 * 65536, 'one copy in the pack');
});

test('a wrong chunk id is refused before it can poison dedup', async (t) => {
  const { repo } = await newRepo(scratch(t));
  const d = chunkData('x', 4096);
  await assert.rejects(repo.putChunk(repo.chunkId(chunkData('y', 4096)), d), code('INVALID_ARGUMENT'));
  // Ids are keyed: not a plain SHA-256 of the data, and differ between repositories.
  const { repo: other } = await newRepo(scratch(t));
  assert.notEqual(repo.chunkId(d), other.chunkId(d));
});

test('zero chunks are stored as nothing: null in the manifest, round-trip as null, no pack data', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const zero = Buffer.alloc(65536);
  assert.equal(isAllZero(zero), true);
  assert.equal(isAllZero(Buffer.concat([zero, Buffer.of(1)])), false);
  const data = [zero, chunkData('x', 65536), zero, zero];
  const r = await smallBackup(repo, 'b1', data, { every: 10 });
  assert.deepEqual(r.ids.map((c) => c === null), [true, false, true, true]);
  assert.equal(r.isNew, 1);
  const m = await (await Repository.open(storage, KEY)).loadBackup('b1');
  assert.deepEqual(m.volumes[0]!.chunks, r.ids);
  const t1 = encodeChunkTable([null, null, null]);
  assert.equal(t1.length, 4 + 1, 'three zero chunks: a count and one bitmap byte');
  assert.deepEqual(decodeChunkTable(t1, 0).chunks, [null, null, null]);
});

test('wrong passphrase or key file: BACKUP_WRONG_KEY naming the repository; a key file and a second key work', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  await assert.rejects(Repository.open(storage, { passphrase: 'not it' }), (e: unknown) => {
    assert.ok(code('BACKUP_WRONG_KEY')(e));
    assert.equal((e as Error).message, `Wrong passphrase or key file for repository ${storage.location}.`);
    return true;
  });
  const kf = join(dir, 'key.bin');
  writeFileSync(kf, Buffer.from('0123456789abcdef0123456789abcdef'));
  await repo.addKey({ keyFile: kf }, CHEAP_KDF);
  const byFile = await Repository.open(storage, { keyFile: kf });
  assert.equal(byFile.id, repo.id);
  writeFileSync(kf, Buffer.from('0123456789abcdef0123456789abcdeX'));
  await assert.rejects(Repository.open(storage, { keyFile: kf }), code('BACKUP_WRONG_KEY'));
  await assert.rejects(Repository.open(storage, { keyFile: join(dir, 'nope') }), code('INVALID_ARGUMENT'));
  await assert.rejects(Repository.open(storage, {}), code('INVALID_ARGUMENT'));
  await assert.rejects(Repository.init(storage, KEY, { kdf: CHEAP_KDF }), code('BACKUP_EXISTS'));
});

test('the plain config cannot be edited behind the key: a changed chunk size is caught at open', async (t) => {
  const dir = scratch(t);
  const { storage } = await newRepo(dir);
  const p = join(storage.location, 'config');
  const c = JSON.parse(readFileSync(p, 'utf8')) as { chunkSize: number };
  c.chunkSize *= 2;
  writeFileSync(p, JSON.stringify(c));
  await assert.rejects(Repository.open(storage, KEY), code('BACKUP_CORRUPT'));
});

test('without the key the files reveal neither data, nor volume names, nor hook output', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const secret = Buffer.from('TOP-SECRET-PAYLOAD-'.repeat(4000)).subarray(0, 65536);
  const id = repo.chunkId(secret);
  await repo.putChunk(id, secret);
  const m = manifest('b1', 1e12, [{ lv: 'payroll_db', size: 65536, chunkSize: 65536, chunks: [id] }], {
    hooks: [{ kind: 'command', what: 'echo hush-hush', phase: 'pre', ok: true, durationMs: 1, output: 'hush-hush' }],
  });
  await repo.saveBackup(m);
  await repo.saveCheckpoint('vg0/payroll_db', { chunks: [id], note: 'payroll_db' });
  const release = await repo.lock('shared', 'backup vg0/payroll_db');
  const files = allFiles(storage.location);
  for (const f of files) {
    const b = readFileSync(f);
    for (const needle of ['TOP-SECRET', 'payroll_db', 'hush-hush', id, repo.keys.encKey.toString('hex')]) {
      assert.equal(b.includes(Buffer.from(needle)), false, `${needle} readable in ${f}`);
    }
  }
  await release();
});

test('manifests: binary chunk tables; listing reads only the summary; prefixes; pins', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const d = chunkData('x', 65536);
  const id = repo.chunkId(d);
  await repo.putChunk(id, d);
  // A million-chunk volume (4 TiB at 4 MiB): one 32-byte id per stored chunk, one bit per chunk.
  const big = Array.from({ length: 1_000_000 }, (_, i) => (i % 2 ? id : null));
  assert.equal(encodeChunkTable(big).length, 4 + 125_000 + 500_000 * 32);
  await repo.saveBackup(manifest('aa11', 2000, [{ lv: 'big', size: 1_000_000 * 65536, chunkSize: 65536, chunks: big }]));
  await repo.saveBackup(manifest('aa22', 1000, [{ lv: 'small', size: 65536, chunkSize: 65536, chunks: [id] }], { tags: ['t'] }));
  await repo.saveBackup(manifest('bb33', 3000, [{ lv: 'small', size: 65536, chunkSize: 65536, chunks: [null] }]));
  const list = await repo.listBackups();
  assert.deepEqual(list.map((s) => s.id), ['aa22', 'aa11', 'bb33']);
  assert.equal('chunks' in list[0]!.volumes[0]!, false);
  assert.equal(list[1]!.volumes[0]!.lv, 'big');
  const loaded = await repo.loadBackup('aa1');
  assert.equal(loaded.volumes[0]!.chunks.length, 1_000_000);
  assert.equal(loaded.volumes[0]!.chunks[1], id);
  assert.equal(loaded.volumes[0]!.chunks[2], null);
  await assert.rejects(repo.loadBackup('aa'), code('BACKUP_AMBIGUOUS'));
  await assert.rejects(repo.loadBackup('cc'), code('BACKUP_NOT_FOUND'));
  // Damage the chunk tables (the object's end): the listing still works, loading says which backup.
  const p = join(storage.location, 'backups', 'bb33');
  const b = readFileSync(p);
  b[b.length - 1] ^= 1;
  writeFileSync(p, b);
  assert.equal((await repo.listBackups()).length, 3);
  await assert.rejects(repo.loadBackup('bb33'), (e: unknown) => code('BACKUP_CORRUPT')(e) && /bb33/.test((e as Error).message));
  await repo.setPinned('aa22', true);
  assert.equal((await repo.loadBackup('aa22')).pinned, true);
  assert.deepEqual((await repo.loadBackup('aa22')).tags, ['t']);
  await repo.deleteBackup('aa22');
  await assert.rejects(repo.deleteBackup('aa22'), code('BACKUP_NOT_FOUND'));
  assert.deepEqual((await repo.listBackups()).map((s) => s.id), ['aa11', 'bb33']);
});

test('saveBackup refuses a manifest naming chunks the repository does not hold, or the wrong chunk count', async (t) => {
  const { repo } = await newRepo(scratch(t));
  await assert.rejects(repo.saveBackup(manifest('b1', 1, [{ lv: 'x', size: 65536, chunkSize: 65536, chunks: ['ab'.repeat(32)] }])), code('BACKUP_CORRUPT'));
  await assert.rejects(repo.saveBackup(manifest('b2', 1, [{ lv: 'x', size: 65537, chunkSize: 65536, chunks: [null] }])), code('INVALID_ARGUMENT'));
  await assert.rejects(repo.saveBackup(manifest('../b3', 1, [])), code('INVALID_ARGUMENT'));
  assert.deepEqual(await repo.listBackups(), []);
});

test('checkpoints: saved sealed, loaded, dropped; their chunks are flushed first', async (t) => {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir);
  const d = chunkData('x', 65536);
  const id = repo.chunkId(d);
  await repo.putChunk(id, d);
  await repo.saveCheckpoint('vg0/lv0', { chunks: [id], next: 7, parent: 'p' });
  const again = await Repository.open(storage, KEY);
  assert.ok(again.has(id), 'the chunk a checkpoint names is durable');
  assert.deepEqual(await again.loadCheckpoint('vg0/lv0'), { chunks: [id], next: 7, parent: 'p' });
  assert.equal(await again.loadCheckpoint('vg0/lv1'), undefined);
  await again.dropCheckpoint('vg0/lv0');
  assert.equal(await again.loadCheckpoint('vg0/lv0'), undefined);
});

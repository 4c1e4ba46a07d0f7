// LocalStorage: the folder a repository lives in. Atomic puts (never a half object, ifAbsent never
// clobbers), ranged reads, listing that hides temporaries, and clear errors for a missing folder
// and a full file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { Repository } from '../../src/backup/repo/repository.ts';
import { UlvmError } from '../../src/errors.ts';
import { CHEAP_KDF, KEY, chunkData, scratch } from './backup-repo-helpers.ts';

const code = (c: string) => (e: unknown) => e instanceof UlvmError && e.code === c;

test('put/get/getRange/list/size/delete round trip, nested keys made on demand', async (t) => {
  const dir = scratch(t);
  const s = new LocalStorage(join(dir, 'r'), { create: true });
  assert.equal(await s.put('config', Buffer.from('hello')), true);
  assert.equal(await s.put('data/ab/abcdef', Buffer.from('0123456789')), true);
  assert.deepEqual(Buffer.from((await s.get('config'))!).toString(), 'hello');
  assert.equal(Buffer.from(await s.getRange('data/ab/abcdef', 3, 4)).toString(), '3456');
  assert.equal(await s.size('data/ab/abcdef'), 10);
  assert.equal(await s.size('nothing'), undefined);
  assert.equal(await s.get('nothing'), undefined);
  assert.deepEqual(await s.list('data/'), ['data/ab/abcdef']);
  assert.deepEqual((await s.list('')).sort(), ['config', 'data/ab/abcdef']);
  await s.delete('data/ab/abcdef');
  await s.delete('data/ab/abcdef');
  assert.deepEqual(await s.list('data/'), []);
  await assert.rejects(s.getRange('config', 3, 10), code('BACKUP_CORRUPT'));
  await assert.rejects(s.put('../escape', Buffer.from('x')), UlvmError);
});

test('ifAbsent: the first writer wins, the second writes nothing; plain put replaces atomically', async (t) => {
  const dir = scratch(t);
  const s = new LocalStorage(join(dir, 'r'), { create: true });
  const results = await Promise.all([1, 2, 3, 4].map((i) => s.put('keys/k', Buffer.from(`writer ${i}`), { ifAbsent: true })));
  assert.equal(results.filter(Boolean).length, 1);
  const winner = Buffer.from((await s.get('keys/k'))!).toString();
  assert.equal(`writer ${results.indexOf(true) + 1}`, winner);
  assert.equal(await s.put('keys/k', Buffer.from('replaced')), true);
  assert.equal(Buffer.from((await s.get('keys/k'))!).toString(), 'replaced');
  // No temporary file is left behind by either path.
  assert.deepEqual(readdirSync(join(dir, 'r', 'keys')), ['k']);
});

test('temporary files a killed writer left are never listed', async (t) => {
  const dir = scratch(t);
  const s = new LocalStorage(join(dir, 'r'), { create: true });
  await s.put('index/a', Buffer.from('a'));
  writeFileSync(join(dir, 'r', 'index', '.tmp-0123'), 'torn');
  assert.deepEqual(await s.list('index/'), ['index/a']);
  assert.equal((await s.listTemporary()).length, 1);
});

test('a missing folder is BACKUP_NO_REPO for reads, writes and open; without create it is not made', async (t) => {
  const dir = scratch(t);
  const s = new LocalStorage(join(dir, 'gone'));
  await assert.rejects(s.get('config'), code('BACKUP_NO_REPO'));
  await assert.rejects(s.list('data/'), code('BACKUP_NO_REPO'));
  await assert.rejects(s.put('config', Buffer.from('x')), code('BACKUP_NO_REPO'));
  await assert.rejects(s.size('config'), code('BACKUP_NO_REPO'));
  assert.equal(existsSync(join(dir, 'gone')), false);
  await assert.rejects(Repository.open(s, KEY), (e: unknown) => code('BACKUP_NO_REPO')(e) && /does not exist/.test((e as Error).message));
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(Repository.open(new LocalStorage(join(dir, 'empty')), KEY), (e: unknown) => code('BACKUP_NO_REPO')(e) && /not a ulvm backup repository/.test((e as Error).message));
});

test('a real full file system (tmpfs): BACKUP_NO_SPACE, no object and no temporary left, repository still valid', async (t) => {
  const dir = scratch(t);
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { stdio: 'ignore' });
  } catch {
    t.skip('cannot mount a tmpfs here');
    return;
  }
  try {
    await fullTmpfs(mnt);
  } finally {
    execFileSync('umount', [mnt]);
  }
});

async function fullTmpfs(mnt: string): Promise<void> {
  const storage = new LocalStorage(join(mnt, 'repo'), { create: true });
  const repo = await Repository.init(storage, KEY, { kdf: CHEAP_KDF, chunkSize: 256 * 1024, packSize: 1024 * 1024 });
  let failure: unknown;
  const stored: string[] = [];
  try {
    for (let i = 0; i < 20; i++) {
      const d = chunkData(`c${i}`, 256 * 1024);
      const id = repo.chunkId(d);
      await repo.putChunk(id, d);
      stored.push(id);
    }
    await repo.flush();
  } catch (e) {
    failure = e;
  }
  assert.ok(failure instanceof UlvmError, `expected a UlvmError, got ${String(failure)}`);
  assert.equal(failure.code, 'BACKUP_NO_SPACE');
  assert.match(failure.message, /No space left in repository .*nothing partial was stored/);
  assert.deepEqual(await storage.listTemporary(), []);
  const again = await Repository.open(storage, KEY);
  const v = await again.verify({ full: true });
  assert.deepEqual(v.problems, []);
  // Every chunk that is in the index reads back.
  for (const id of stored) if (again.has(id)) assert.equal((await again.readChunk(id)).length, 256 * 1024);
}

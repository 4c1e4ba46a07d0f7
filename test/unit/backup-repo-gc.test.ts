// Garbage collection keeps every chunk a backup or checkpoint references, frees what nothing does
// (dead packs deleted, mostly-dead packs repacked), and never runs beside a backup: a backup in
// progress holds a shared lock, gc needs the exclusive one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { spawnSync } from 'node:child_process';
import { Repository } from '../../src/backup/repo/repository.ts';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { RepoError } from '../../src/backup/repo/errors.ts';
import type { ChunkId } from '../../src/backup/types.ts';
import { KEY, chunkData, manifest, newRepo, scratch, smallBackup } from './backup-repo-helpers.ts';

const CH = 65536;

async function put(repo: Repository, seed: string): Promise<ChunkId> {
  const d = chunkData(seed, CH);
  const id = repo.chunkId(d);
  await repo.putChunk(id, d);
  return id;
}

async function backupOf(repo: Repository, id: string, time: number, chunks: ChunkId[]): Promise<void> {
  await repo.saveBackup(manifest(id, time, [{ lv: 'db', size: chunks.length * CH, chunkSize: CH, chunks }]));
}

test('gc deletes dead packs, keeps every chunk a backup or checkpoint names, and verify --full passes after', async (t) => {
  // One chunk per pack: whole packs die.
  const { storage, repo } = await newRepo(scratch(t), { packSize: 1 });
  const [a, b, c, d, e, f, g] = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((s) => put(repo, s)));
  await backupOf(repo, 'b1', 1, [a!, b!, c!]);
  await backupOf(repo, 'b2', 2, [c!, d!, e!]);
  await repo.saveCheckpoint('vg0/db', { chunks: [f!] });
  const before = (await repo.verify({ full: false })).packs;
  assert.equal(before, 7);
  const nothing = await repo.gc({ dryRun: true });
  assert.equal(nothing.packsDeleted, 1, 'g is garbage from the start');
  assert.equal((await repo.verify({ full: false })).packs, 7, 'a dry run deletes nothing');
  await repo.deleteBackup('b1');
  const r = await repo.gc();
  assert.equal(r.packsDeleted, 3);
  assert.equal(r.chunksDeleted, 3);
  assert.equal(r.packsRepacked, 0);
  assert.ok(r.bytesFreed > 3 * CH, `freed ${r.bytesFreed}`);
  const after = await Repository.open(storage, KEY);
  assert.deepEqual((await after.verify({ full: true })).problems, []);
  for (const id of [c!, d!, e!, f!]) await after.readChunk(id);
  for (const id of [a!, b!, g!]) assert.equal(after.has(id), false);
  assert.equal((await storage.list('data/')).length, 4);
  assert.equal((await storage.list('index/')).length, 1, 'one consolidated index');
  // A second gc finds nothing.
  assert.deepEqual(await after.gc(), { packsDeleted: 0, packsRepacked: 0, bytesFreed: 0, chunksDeleted: 0 });
});

test('gc repacks a pack that is mostly garbage: live chunks move, the old pack goes', async (t) => {
  const { storage, repo } = await newRepo(scratch(t), { packSize: 1024 * 1024 });
  const ids: ChunkId[] = [];
  for (let i = 0; i < 10; i++) ids.push(await put(repo, `c${i}`));
  await backupOf(repo, 'keep', 1, ids.slice(0, 2));
  await backupOf(repo, 'drop', 2, ids.slice(2));
  await repo.flush();
  const [oldPack] = await storage.list('data/');
  await repo.deleteBackup('drop');
  const r = await repo.gc();
  assert.equal(r.packsRepacked, 1);
  assert.equal(r.chunksDeleted, 8);
  assert.ok(r.bytesFreed > 7 * CH, `freed ${r.bytesFreed}`);
  const packs = await storage.list('data/');
  assert.equal(packs.length, 1);
  assert.notEqual(packs[0], oldPack);
  const after = await Repository.open(storage, KEY);
  assert.deepEqual((await after.verify({ full: true })).problems, []);
  for (const id of ids.slice(0, 2)) await after.readChunk(id);
  // Below the threshold a pack is left alone.
  assert.equal((await after.gc({ repackBelow: 0.1 })).packsRepacked, 0);
});

test('gc beside a backup in progress: refused with BACKUP_LOCKED naming the holder, or waits; both finish and verify', async (t) => {
  const dir = scratch(t);
  const { storage, repo: backup } = await newRepo(dir, { packSize: 100 * 1024 });
  const old = await put(backup, 'old');
  await backupOf(backup, 'b0', 1, [old]);
  const garbage = await put(backup, 'garbage');
  await backup.flush();
  // The backup: shared lock, some chunks stored and checkpointed, not yet published.
  const release = await backup.lock('shared', 'backup vg0/db');
  const first = [await put(backup, 'n1'), await put(backup, 'n2')];
  await backup.saveCheckpoint('vg0/db', { chunks: first });
  const gcer = await Repository.open(new LocalStorage(storage.location), KEY);
  await assert.rejects(gcer.gc(), (e: unknown) => {
    assert.ok(e instanceof RepoError);
    assert.equal(e.code, 'BACKUP_LOCKED');
    assert.match(e.message, new RegExp(`locked \\(shared\\) by backup vg0/db on host ${hostname()}, pid ${process.pid}, since `));
    assert.equal(e.facts.holder?.what, 'backup vg0/db');
    return true;
  });
  // Now gc waits while the backup finishes.
  let gcDone = false;
  const waiting = gcer.gc({ waitMs: 10_000, pollMs: 20 }).then((r) => {
    gcDone = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(gcDone, false, 'gc must not run while the backup holds its lock');
  const rest = [await put(backup, 'n3'), old];
  await backupOf(backup, 'b1', 2, [...first, ...rest]);
  await backup.dropCheckpoint('vg0/db');
  await release();
  const r = await waiting;
  assert.equal(r.chunksDeleted, 1, 'only the unreferenced chunk');
  const v = await (await Repository.open(new LocalStorage(storage.location), KEY)).verify({ full: true });
  assert.deepEqual(v.problems, []);
  assert.equal(v.backups, 2);
  for (const id of [...first, ...rest]) await gcer.readChunk(id);
  assert.equal(gcer.has(garbage), false);
});

test('a killed backup\'s checkpoint protects its chunks from gc, and the resumed run reuses them', async (t) => {
  const { storage, repo } = await newRepo(scratch(t));
  const data = Array.from({ length: 6 }, (_, i) => chunkData(`k${i}`, CH));
  const ids = data.map((d) => repo.chunkId(d));
  for (const [i, d] of data.slice(0, 4).entries()) await repo.putChunk(ids[i]!, d);
  await repo.saveCheckpoint('backup-lv0', { chunks: ids.slice(0, 4), next: 4 });
  // The process dies here (no backup saved, no lock left). gc runs.
  const other = await Repository.open(new LocalStorage(storage.location), KEY);
  const r = await other.gc();
  assert.equal(r.chunksDeleted, 0);
  const resumed = await Repository.open(new LocalStorage(storage.location), KEY);
  assert.deepEqual((await resumed.loadCheckpoint('backup-lv0'))?.chunks, ids.slice(0, 4));
  const run = await smallBackup(resumed, 'b1', data, { every: 10 });
  assert.equal(run.isNew, 2, 'only the two chunks after the checkpoint');
  assert.deepEqual((await resumed.verify({ full: true })).problems, []);
});

test('taking a lock reloads the index: a process does not dedup against chunks another process\'s gc removed', async (t) => {
  const { storage, repo: a } = await newRepo(scratch(t));
  const d = chunkData('orphan', CH);
  const id = a.chunkId(d);
  await a.putChunk(id, d);
  await a.flush();
  assert.equal(a.has(id), true);
  const b = await Repository.open(new LocalStorage(storage.location), KEY);
  assert.equal((await b.gc()).chunksDeleted, 1);
  const release = await a.lock('shared', 'backup');
  assert.equal(a.has(id), false);
  assert.equal((await a.putChunk(id, d)).isNew, true);
  await backupOf(a, 'b1', 1, [id]);
  await release();
  assert.deepEqual((await b.verify({ full: true })).problems, []);
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  return r.pid as number;
}

async function writeLock(storage: LocalStorage, id: string, o: { kind: 'shared' | 'exclusive'; host: string; pid: number; refreshed: number }): Promise<void> {
  await storage.put(`locks/${id}`, Buffer.from(JSON.stringify({ version: 1, since: o.refreshed, what: '', ...o })));
}

test('lock staleness: a dead pid on this host and an unrefreshed lock elsewhere are removed; a live one blocks', async (t) => {
  const { storage, repo } = await newRepo(scratch(t));
  await writeLock(storage, 'dead', { kind: 'exclusive', host: hostname(), pid: deadPid(), refreshed: Date.now() });
  await writeLock(storage, 'old', { kind: 'shared', host: 'elsewhere', pid: 1, refreshed: Date.now() - 31 * 60 * 1000 });
  const release = await repo.lock('exclusive', 'gc');
  assert.deepEqual((await storage.list('locks/')).length, 1, 'only our own lock is left');
  await release();
  assert.deepEqual(await storage.list('locks/'), []);
  await writeLock(storage, 'live', { kind: 'shared', host: 'elsewhere', pid: 1, refreshed: Date.now() });
  await assert.rejects(repo.lock('exclusive', 'gc'), (e: unknown) => e instanceof RepoError && e.code === 'BACKUP_LOCKED' && e.facts.holder?.host === 'elsewhere');
  // Shared locks do not conflict with each other.
  const s = await repo.lock('shared', 'backup');
  await s();
  assert.deepEqual(await storage.list('locks/'), ['locks/live']);
});

test('a held lock is refreshed, so it does not go stale however long the backup runs', async (t) => {
  const { storage, repo } = await newRepo(scratch(t));
  const release = await repo.lock('shared', 'long backup', { staleMs: 300 });
  await new Promise((r) => setTimeout(r, 700));
  const other = await Repository.open(new LocalStorage(storage.location), KEY);
  // Its refresh time is recent: even seen from another host (no pid check) it is live.
  const [key] = await storage.list('locks/');
  const obj = JSON.parse(Buffer.from((await storage.get(key!))!).toString()) as { refreshed: number };
  assert.ok(Date.now() - obj.refreshed < 300, `refreshed ${Date.now() - obj.refreshed} ms ago`);
  await assert.rejects(other.lock('exclusive', 'gc', { staleMs: 300 }), (e: unknown) => e instanceof RepoError && e.code === 'BACKUP_LOCKED');
  await release();
  const g = await other.lock('exclusive', 'gc', { staleMs: 300 });
  await g();
});

test('two exclusive lockers never hold the lock at the same time', async (t) => {
  const { storage } = await newRepo(scratch(t));
  const repos = await Promise.all([0, 1, 2].map(() => Repository.open(new LocalStorage(storage.location), KEY)));
  let inside = 0;
  let maxInside = 0;
  await Promise.all(
    repos.map(async (r) => {
      for (let i = 0; i < 3; i++) {
        const release = await r.lock('exclusive', 'gc', { waitMs: 20_000, pollMs: 5 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((res) => setTimeout(res, 5));
        inside--;
        await release();
      }
    }),
  );
  assert.equal(maxInside, 1);
});

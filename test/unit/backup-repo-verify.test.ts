// Verify and repair: a flipped byte in a pack is caught by readChunk and by a full verify; quick
// verify catches missing and truncated packs and damaged trailers; the index rebuilds from packs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/backup/repo/repository.ts';
import { packKey } from '../../src/backup/repo/packs.ts';
import { RepoError } from '../../src/backup/repo/errors.ts';
import { KEY, chunkData, newRepo, scratch, smallBackup } from './backup-repo-helpers.ts';

async function fixture(t: Parameters<typeof scratch>[0]) {
  const dir = scratch(t);
  const { storage, repo } = await newRepo(dir, { packSize: 100 * 1024 });
  const data = Array.from({ length: 8 }, (_, i) => chunkData(`v${i}`, 65536, i % 2 === 0));
  const r = await smallBackup(repo, 'b1', data, { every: 3 });
  const ids = r.ids.filter((c): c is string => c !== null);
  const path = (pack: string) => join(storage.location, ...packKey(pack).split('/'));
  return { storage, repo, ids, path };
}

const kinds = (r: { problems: { kind: string }[] }) => [...new Set(r.problems.map((p) => p.kind))].sort();

test('a healthy repository verifies, quick and full, and full reads every referenced chunk', async (t) => {
  const { repo, ids } = await fixture(t);
  const q = await repo.verify({ full: false });
  assert.deepEqual(q.problems, []);
  assert.equal(q.ok, true);
  assert.equal(q.chunksReferenced, ids.length);
  assert.equal(q.chunksChecked, 0);
  assert.ok(q.packs >= 2, `packs: ${q.packs}`);
  const f = await repo.verify({ full: true });
  assert.deepEqual(f.problems, []);
  assert.equal(f.chunksChecked, ids.length);
  assert.ok(f.bytesRead > 0);
});

test('one flipped byte inside a chunk: readChunk fails naming chunk and pack, verify --full reports it', async (t) => {
  const { storage, repo, ids, path } = await fixture(t);
  const victim = ids[3]!;
  const loc = repo.index.get(victim)!;
  const b = readFileSync(path(loc.pack));
  b[loc.offset + Math.floor(loc.length / 2)] ^= 0x40;
  writeFileSync(path(loc.pack), b);
  const fresh = await Repository.open(storage, KEY);
  await assert.rejects(fresh.readChunk(victim), (e: unknown) => {
    assert.ok(e instanceof RepoError);
    assert.equal(e.code, 'BACKUP_CORRUPT');
    assert.equal(e.facts.chunk, victim);
    assert.equal(e.facts.pack, loc.pack);
    assert.match(e.message, new RegExp(`Chunk ${victim} in pack ${loc.pack}`));
    return true;
  });
  // Its neighbours in the same pack still read.
  for (const other of ids.filter((c) => c !== victim && repo.index.get(c)!.pack === loc.pack)) await fresh.readChunk(other);
  const f = await fresh.verify({ full: true });
  assert.deepEqual(kinds(f), ['corrupt-chunk', 'pack-hash']);
  const bad = f.problems.find((p) => p.kind === 'corrupt-chunk')!;
  assert.equal(bad.chunk, victim);
  assert.equal(bad.backup, 'b1');
  assert.equal(f.ok, false);
});

test('quick verify: a missing pack, a truncated pack and a damaged trailer are each reported', async (t) => {
  const { storage, repo, path } = await fixture(t);
  const packs = [...repo.index.packs.keys()];
  assert.ok(packs.length >= 3, `need three packs, have ${packs.length}`);
  rmSync(path(packs[0]!));
  truncateSync(path(packs[1]!), repo.index.packs.get(packs[1]!)!.size - 10);
  const b = readFileSync(path(packs[2]!));
  b[b.length - 10] ^= 1;
  writeFileSync(path(packs[2]!), b);
  const q = await (await Repository.open(storage, KEY)).verify({ full: false });
  assert.deepEqual(kinds(q), ['missing-pack', 'pack-size', 'pack-trailer']);
  assert.equal(q.problems.find((p) => p.kind === 'missing-pack')!.pack, packs[0]);
  assert.equal(q.problems.find((p) => p.kind === 'pack-size')!.pack, packs[1]);
  assert.equal(q.problems.find((p) => p.kind === 'pack-trailer')!.pack, packs[2]);
});

test('lost index files: chunks are missing to verify; rebuildIndex restores them from the packs', async (t) => {
  const { storage, ids } = await fixture(t);
  for (const k of await storage.list('index/')) await storage.delete(k);
  const lost = await Repository.open(storage, KEY);
  assert.equal(lost.has(ids[0]!), false);
  const q = await lost.verify({ full: false });
  assert.deepEqual(kinds(q), ['missing-chunk']);
  assert.equal(q.packs, 0);
  assert.equal(q.packsUnindexed, (await storage.list('data/')).length);
  assert.ok(q.packsUnindexed >= 3);
  const r = await lost.rebuildIndex();
  assert.deepEqual(r.problems, []);
  assert.equal(r.chunks, ids.length);
  const fixed = await Repository.open(storage, KEY);
  assert.deepEqual((await fixed.verify({ full: true })).problems, []);
  for (const id of ids) await fixed.readChunk(id);
});

test('a damaged index file is reported by verify and repaired by rebuildIndex', async (t) => {
  const { storage } = await fixture(t);
  const [first] = await storage.list('index/');
  const p = join(storage.location, ...first!.split('/'));
  const b = readFileSync(p);
  b[20] ^= 1;
  writeFileSync(p, b);
  const repo = await Repository.open(storage, KEY);
  const q = await repo.verify({ full: false });
  assert.ok(kinds(q).includes('index-unreadable'), JSON.stringify(kinds(q)));
  await assert.rejects(repo.gc(), (e: unknown) => e instanceof RepoError && e.code === 'BACKUP_CORRUPT');
  await repo.rebuildIndex();
  assert.deepEqual((await (await Repository.open(storage, KEY)).verify({ full: true })).problems, []);
});

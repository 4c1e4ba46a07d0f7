// Crash safety by fault injection: a small backup is killed at every one of its writes, before the
// write or after leaving a torn temporary file. After each crash the repository opens and verifies,
// every chunk of the last completed resume point is still there, the backup is visible only if its
// own write happened, and the next run stores exactly the chunks that were not durable.
// And a full disk (ENOSPC from the storage) is a clear error that loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { Repository } from '../../src/backup/repo/repository.ts';
import { UlvmError } from '../../src/errors.ts';
import type { ChunkId } from '../../src/backup/types.ts';
import { CHEAP_KDF, Crash, FaultyStorage, KEY, chunkData, scratch, smallBackup } from './backup-repo-helpers.ts';

const CHUNK = 65536;
// Ten chunks: a zero one, a repeated one, compressible and random ones, across several packs.
const DATA = [
  chunkData('a', CHUNK),
  chunkData('b', CHUNK, true),
  Buffer.alloc(CHUNK),
  chunkData('c', CHUNK),
  chunkData('a', CHUNK),
  chunkData('d', CHUNK),
  chunkData('e', CHUNK, true),
  chunkData('f', CHUNK),
  chunkData('g', CHUNK),
  chunkData('h', CHUNK),
];

async function fresh(dir: string): Promise<LocalStorage> {
  const inner = new LocalStorage(join(dir, 'repo'), { create: true });
  await Repository.init(inner, KEY, { kdf: CHEAP_KDF, chunkSize: CHUNK, packSize: 150 * 1024 });
  return inner;
}

/** The distinct stored chunks of DATA (ids are keyed: they differ between repositories). */
function distinctIds(repo: Repository): ChunkId[] {
  return [...new Set(DATA.filter((d) => !d.every((x) => x === 0)).map((d) => repo.chunkId(d)))];
}

async function cleanRunPuts(dir: string): Promise<number> {
  const inner = await fresh(dir);
  const faulty = new FaultyStorage(inner, Infinity);
  const repo = await Repository.open(faulty, KEY);
  const r = await smallBackup(repo, 'b1', DATA, { every: 3 });
  assert.equal(r.isNew, 8);
  assert.equal(distinctIds(repo).length, 8);
  return faulty.puts;
}

test('a backup killed at every write leaves a valid repository that the next run completes, re-sending only what was lost', async (t) => {
  const puts = await cleanRunPuts(scratch(t));
  assert.ok(puts >= 10, `a run makes many writes: ${puts}`);
  let crashesWithSomethingDurable = 0;
  let crashesAfterBackup = 0;
  for (const mode of ['before', 'partial'] as const) {
    for (let n = 1; n <= puts; n++) {
      const dir = scratch(t);
      const inner = await fresh(dir);
      const faulty = new FaultyStorage(inner, n, mode);
      const repo = await Repository.open(faulty, KEY);
      let resumed: ChunkId[] = [];
      await assert.rejects(
        (async () => {
          // Resume points as they complete, even if the run dies afterwards.
          const orig = repo.saveCheckpoint.bind(repo);
          repo.saveCheckpoint = async (k, s) => {
            await orig(k, s);
            resumed = s.chunks;
          };
          await smallBackup(repo, 'b1', DATA, { every: 3 });
        })(),
        (e: unknown) => e instanceof Crash,
        `${mode} ${n}: the run should die`,
      );
      const label = `${mode} crash at write ${n}/${puts}`;
      // The process is gone: its shared lock would be stale; a new run starts from what is stored.
      for (const l of await inner.list('locks/')) await inner.delete(l);
      const after = await Repository.open(new LocalStorage(inner.location), KEY);
      const q = await after.verify({ full: false });
      assert.deepEqual(q.problems, [], label);
      const distinct = distinctIds(after);
      const durable = distinct.filter((c) => after.has(c));
      for (const c of resumed) assert.ok(after.has(c), `${label}: chunk ${c} of a completed resume point was lost`);
      if (durable.length) crashesWithSomethingDurable++;
      const visible = (await after.listBackups()).map((b) => b.id);
      if (visible.length) {
        crashesAfterBackup++;
        assert.deepEqual(visible, ['b1'], label);
        assert.equal(durable.length, distinct.length, `${label}: a visible backup has all its chunks`);
      }
      const again = await smallBackup(after, 'b1', DATA, { every: 3 });
      assert.equal(again.isNew, distinct.length - durable.length, `${label}: the second run stores only what was not durable`);
      const full = await after.verify({ full: true });
      assert.deepEqual(full.problems, [], label);
      const m = await after.loadBackup('b1');
      for (const [i, c] of m.volumes[0]!.chunks.entries()) {
        if (c === null) assert.equal(DATA[i]!.every((x) => x === 0), true);
        else assert.deepEqual(Buffer.from(await after.readChunk(c)), DATA[i], label);
      }
      // Leftovers of the crash (an unindexed pack, a torn temporary) are garbage gc can remove.
      await after.gc({ tmpOlderThanMs: 0 });
      assert.deepEqual(await inner.listTemporary(), [], `${label}: gc removes torn temporaries`);
      const g = await after.verify({ full: true });
      assert.deepEqual(g.problems, [], `${label}, after gc`);
      assert.equal(g.packsUnindexed, 0, `${label}, after gc`);
    }
  }
  // The sweep covered crashes with some chunks already durable and after the backup was published.
  assert.ok(crashesWithSomethingDurable > 4, `durable before the crash in ${crashesWithSomethingDurable} runs`);
  assert.ok(crashesAfterBackup >= 2, `backup visible in ${crashesAfterBackup} runs`);
});

test('ENOSPC from the storage: BACKUP_NO_SPACE with a clear message, the repository stays valid, and the same run continues once there is room', async (t) => {
  const puts = await cleanRunPuts(scratch(t));
  // The clean run's last two writes are deletes (checkpoint, lock): puts - 2 is the backup's own put.
  for (const n of [2, Math.floor(puts / 2), puts - 2]) {
    const dir = scratch(t);
    const inner = await fresh(dir);
    const full = new FaultyStorage(inner, n, 'enospc');
    const repo = await Repository.open(full, KEY);
    await assert.rejects(smallBackup(repo, 'b1', DATA, { every: 3 }), (e: unknown) => {
      assert.ok(e instanceof UlvmError, String(e));
      assert.equal(e.code, 'BACKUP_NO_SPACE');
      assert.match(e.message, /^No space left in repository .* while writing .*: nothing partial was stored; free space and run again\.$/);
      return true;
    });
    for (const l of await inner.list('locks/')) await inner.delete(l);
    const other = await Repository.open(new LocalStorage(inner.location), KEY);
    assert.deepEqual((await other.verify({ full: false })).problems, [], `enospc at ${n}`);
    // Space freed: the same repository object finishes the job.
    full.failAt = Infinity;
    await smallBackup(repo, 'b1', DATA, { every: 3 });
    const v = await (await Repository.open(new LocalStorage(inner.location), KEY)).verify({ full: true });
    assert.deepEqual(v.problems, [], `enospc at ${n}, after retry`);
    assert.equal(v.backups, 1);
  }
});

// Memory stays bounded by the open pack, not by what was stored: 64 chunks of 4 MiB (256 MiB)
// go through putChunk while the buffers Node holds stay under a fixed bound. Not timed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { LocalStorage } from '../../src/backup/repo/local-storage.ts';
import { Repository } from '../../src/backup/repo/repository.ts';
import { CHEAP_KDF, KEY, scratch } from './backup-repo-helpers.ts';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

test('putChunk of 64 × 4 MiB keeps buffer memory bounded (a pack or two, not the data)', async (t) => {
  const MiB = 1024 * 1024;
  const storage = new LocalStorage(join(scratch(t), 'repo'), { create: true });
  const repo = await Repository.init(storage, KEY, { kdf: CHEAP_KDF });
  assert.equal(repo.chunkSize, 4 * MiB);
  assert.equal(repo.packSize, 16 * MiB);
  collect();
  const base = process.memoryUsage().arrayBuffers;
  let peak = 0;
  let stored = 0;
  for (let i = 0; i < 64; i++) {
    const d = randomBytes(4 * MiB);
    const r = await repo.putChunk(repo.chunkId(d), d);
    stored += r.stored;
    collect();
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
  }
  await repo.flush();
  assert.ok(stored >= 256 * MiB, `stored ${stored}`);
  assert.ok((await storage.list('data/')).length >= 15, 'packs were written as they filled');
  assert.ok(peak < 64 * MiB, `peak buffer growth ${Math.round(peak / MiB)} MiB`);
});

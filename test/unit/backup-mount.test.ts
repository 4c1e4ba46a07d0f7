// serveBackup's refusals (nowhere to listen, writable without an overlay, a name twice), the
// overlay file names, and the exports' names, address and URIs (the real clients read them in
// test/compat/backup-mount-nbd.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { overlayFileName, serveBackup } from '../../src/backup/mount.ts';
import { UlvmError } from '../../src/errors.ts';
import { FakeChunkSource, backupOf } from '../helpers/fake-chunks.ts';

test('serveBackup refuses what it cannot do safely', async () => {
  const src = new FakeChunkSource();
  const volume = backupOf(randomBytes(8192), 4096, src);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-bm-'));
  try {
    await assert.rejects(serveBackup({ volumes: [{ name: 'vg0/data', volume }], source: src, readOnly: true }), (e: unknown) => e instanceof UlvmError && /socket or a TCP address/.test(e.message));
    await assert.rejects(serveBackup({ volumes: [{ name: 'vg0/data', volume }], source: src, socket: join(dir, 's'), readOnly: false }), (e: unknown) => e instanceof UlvmError && /needs an overlay directory/.test(e.message));
    await assert.rejects(
      serveBackup({ volumes: [{ name: 'vg0/data', volume }, { name: 'vg0/data', volume }], source: src, socket: join(dir, 's'), readOnly: true }),
      (e: unknown) => e instanceof UlvmError && /given twice/.test(e.message),
    );
    assert.equal(existsSync(join(dir, 's')), false, 'no socket left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overlay files are named as device-mapper names an LV', () => {
  assert.equal(overlayFileName('vg0/data'), 'vg0-data.overlay');
  assert.equal(overlayFileName('my-vg/my-lv'), 'my--vg-my--lv.overlay');
  assert.notEqual(overlayFileName('a-b/c'), overlayFileName('a/b-c'));
});

test('one export per volume, named VG/LV; close removes the socket', async () => {
  const src = new FakeChunkSource();
  const img = randomBytes(64 * 1024);
  const a = backupOf(img, 16 * 1024, src, { vg: 'vg0', lv: 'a' });
  const b = backupOf(img, 16 * 1024, src, { vg: 'vg0', lv: 'b' });
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-bm-'));
  const sock = join(dir, 'nbd.sock');
  const m = await serveBackup({ volumes: [{ name: 'vg0/a', volume: a }, { name: 'vg0/b', volume: b }], source: src, socket: sock, readOnly: true });
  try {
    assert.deepEqual(m.exports, ['vg0/a', 'vg0/b']);
    assert.equal(m.address, sock);
    assert.equal(m.uri('vg0/b'), `nbd+unix:///vg0/b?socket=${sock}`);
    // The newstyle greeting: the server is up on the socket.
    const hello = await new Promise<Buffer>((resolve, reject) => {
      const c = connect(sock);
      c.once('data', (d) => {
        c.destroy();
        resolve(d);
      });
      c.once('error', reject);
    });
    assert.equal(hello.subarray(0, 8).toString('latin1'), 'NBDMAGIC');
  } finally {
    await m.close();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(existsSync(sock), false, 'socket removed');
  assert.equal(m.stats.chunksFetched, 0, 'a greeting fetches nothing');
});

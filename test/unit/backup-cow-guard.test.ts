// The COW guard over a classic snapshot a backup reads: a writer fills the snapshot's store; the
// guard extends it in time and the snapshot still reads as the origin did; with the VG full, the
// store overflows and check() throws BACKUP_SNAPSHOT_OVERFLOW.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, MemoryDisks, UlvmError } from '../../src/index.ts';
import { startCowGuard, type CowGuardEvent } from '../../src/backup/cow-guard.ts';

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;
const ORIGIN = 16 * MiB;

const pattern = (offset: number, length: number, salt: number) => {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i += 4) new DataView(b.buffer).setUint32(i, ((offset + i) / 4 + salt) >>> 0, true);
  return b;
};

async function lab(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-guard-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, activation: 'in-process' });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'o', size: ORIGIN });
  const h = await s.open('vg/o');
  t.after(() => h.close());
  await h.write(0, pattern(0, ORIGIN, 0));
  await s.createSnapshot({ vg: 'vg', origin: 'o', name: 'snap', extents: 1 });
  /** Overwrites `bytes` of the origin in pieces, letting the guard run between them. */
  const write = async (bytes: number) => {
    for (let at = 0; at < bytes; at += PIECE) {
      await h.write(at, pattern(at, PIECE, 7));
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return { s, h, write };
}

test('the guard extends a filling snapshot in time, and the snapshot keeps the origin as it was', async (t) => {
  const { s, write } = await lab(t);
  const seen: CowGuardEvent[] = [];
  const guard = startCowGuard(s, 'vg', 'snap', { thresholdPercent: 50, extendPercent: 100, intervalMs: 2, onEvent: (e) => seen.push(e) });
  // 10 MiB of changes: well past the 4 MiB store the snapshot started with.
  await write(10 * MiB);
  const r = await guard.stop();
  guard.check();
  assert.ok(r.extensions >= 1, `extended ${r.extensions} times`);
  assert.equal(r.events.length, r.extensions);
  assert.deepEqual(seen, r.events);
  for (const e of r.events) {
    assert.equal(e.type, 'extended');
    if (e.type === 'extended') assert.ok(e.toBytes > e.fromBytes && e.percent >= 50, JSON.stringify(e));
  }
  const lv = (await s.listLvs('vg')).find((l) => l.name === 'snap')!;
  assert.notEqual(lv.attr[4], 'I', 'still valid');
  assert.ok(lv.size > 4 * MiB, `grew to ${lv.size}`);
  assert.equal(r.finalPercent, lv.dataPercent);
  const sh = await s.open('vg/snap');
  const got = await sh.read(0, ORIGIN);
  await sh.close();
  assert.ok(Buffer.from(got).equals(Buffer.from(pattern(0, ORIGIN, 0))), 'the snapshot reads as the origin did');
});

test('with the VG full the snapshot overflows and check() says the backup is lost', async (t) => {
  const { s, write } = await lab(t);
  await s.createLv({ vg: 'vg', name: 'filler', extents: '100%FREE' });
  const guard = startCowGuard(s, 'vg', 'snap', { thresholdPercent: 50, extendPercent: 50, intervalMs: 2 });
  guard.check();
  await write(8 * MiB);
  const r = await guard.stop();
  assert.equal(r.extensions, 0);
  assert.ok(r.events.some((e) => e.type === 'extend-failed' && /insufficient free space|Insufficient/i.test(e.error)), JSON.stringify(r.events));
  assert.deepEqual(r.events.at(-1), { type: 'overflowed' });
  assert.equal(r.finalPercent, 100);
  assert.throws(
    () => guard.check(),
    (e: unknown) => {
      assert.ok(e instanceof UlvmError);
      assert.equal(e.code, 'BACKUP_SNAPSHOT_OVERFLOW');
      assert.equal(e.message, 'Snapshot vg/snap overflowed during the backup: the copy would be inconsistent; nothing was stored as a backup.');
      return true;
    },
  );
});

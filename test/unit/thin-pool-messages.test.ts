// Pool messages with the kernel's errnos and log lines, metadata snapshots in the status, the
// pool's table load (format, block size, shrinking devices), the dm targets' lines, and the
// device over LV pieces that holds a pool's metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { ThinPool, ThinPoolError } from '../../src/mapper/thin-pool.ts';
import { thinDmTarget, thinPoolDmTarget } from '../../src/mapper/thin-dm.ts';
import { SegmentDevice } from '../../src/mapper/segment-device.ts';
import { DmError } from '../../src/mapper/registry.ts';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';
import { BB, BS, fill, linearOver, poolLab } from '../helpers/thin-pool-lab.ts';

const W = 'device-mapper: thin: ';

function errno(e: string) {
  return (x: unknown) => x instanceof ThinPoolError && x.errno === e;
}

test('messages: create, snapshot and delete errors carry the kernel errno and warning', async () => {
  const { pool, logs } = poolLab();
  assert.equal(await pool.message('create_thin 1'), '');
  await assert.rejects(pool.message('create_thin 1'), errno('EEXIST'));
  assert.equal(logs.at(-1), `${W}Creation of new thinly-provisioned device with id 1 failed.`);
  await assert.rejects(pool.message('create_snap 2 7'), errno('ENODATA'));
  assert.equal(logs.at(-1), `${W}Creation of new snapshot 2 of device 7 failed.`);
  await assert.rejects(pool.message('create_thin 16777216'), errno('EINVAL'));
  assert.equal(logs.at(-1), `${W}Message received with invalid device id: 16777216`);
  await assert.rejects(pool.message('create_thin'), errno('EINVAL'));
  assert.equal(logs.at(-1), `${W}Message received with 1 arguments instead of 2.`);
  await assert.rejects(pool.message('frobnicate 1'), errno('EINVAL'));
  assert.equal(logs.at(-1), `${W}Unrecognised thin pool target message received: frobnicate`);
  assert.equal(await pool.message('CREATE_SNAP 2 1'), '', 'the word is matched case-insensitively');
  await assert.rejects(pool.message('delete 9'), errno('ENODATA'));
  assert.equal(logs.at(-1), `${W}Deletion of thin device 9 failed.`);
  await pool.message('delete 2');
  assert.deepEqual(pool.md.devices(), [1]);
  await pool.close();
});

test('set_transaction_id is a compare-and-swap; lvm2 sends it after every batch', async () => {
  const { pool, logs, meta } = poolLab();
  await pool.message('create_thin 1');
  await pool.message('set_transaction_id 0 1');
  assert.match(pool.status(), /^1 /);
  await assert.rejects(pool.message('set_transaction_id 0 2'), errno('EINVAL'));
  assert.deepEqual(logs.slice(-2), ['device-mapper: thin metadata: mismatched transaction id', `${W}Failed to change transaction id from 0 to 2.`]);
  await assert.rejects(pool.message('set_transaction_id x 2'), errno('EINVAL'));
  assert.equal(logs.at(-1), `${W}set_transaction_id message: Unrecognised id x.`);
  await assert.rejects(pool.message('set_transaction_id 1 -2'), errno('EINVAL'));
  assert.equal(logs.at(-1), `${W}set_transaction_id message: Unrecognised new id -2.`);
  await pool.message('set_transaction_id 1 2');
  // A message is committed before it returns: a crash now keeps it.
  pool.abandon();
  const again = poolLab({ metadata: meta });
  assert.match(again.pool.status(), /^2 /);
  await again.pool.close();
});

test('reserve_metadata_snap shows the held root in the status until it is released', async () => {
  const { pool, logs, meta } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 4 * BB);
  await thin.write(0, fill(1));
  await pool.message('reserve_metadata_snap');
  const held = pool.md.heldRoot;
  assert.ok(held > 0);
  assert.match(pool.status(), new RegExp(`^0 \\d+/1024 1/1024 ${held} rw `));
  await assert.rejects(pool.message('reserve_metadata_snap'), errno('EBUSY'));
  assert.deepEqual(logs.slice(-2), ['device-mapper: thin metadata: Pool metadata snapshot already exists: release this before taking another.', `${W}reserve_metadata_snap message failed.`]);
  await thin.write(BB, fill(2));
  await thin.flush();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
  await pool.message('release_metadata_snap');
  assert.match(pool.status(), /^0 \d+\/1024 2\/1024 - rw /);
  await assert.rejects(pool.message('release_metadata_snap'), errno('EINVAL'));
  assert.deepEqual(logs.slice(-2), ['device-mapper: thin metadata: No pool metadata snapshot found: nothing to release.', `${W}release_metadata_snap message failed.`]);
  await pool.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
});

test('the dm targets print the kernel table lines and turn message errors into the ioctl errno', async () => {
  const { pool } = poolLab({ zeroNewBlocks: false, discards: 'nopassdown', errorIfNoSpace: true, lowWaterMark: 10 });
  const t = thinPoolDmTarget(pool, '253:0', '253:1');
  assert.equal(t.type, 'thin-pool');
  assert.equal(t.table(), '253:0 253:1 128 10 3 skip_block_zeroing no_discard_passdown error_if_no_space ');
  assert.deepEqual(t.devices(), ['253:0', '253:1']);
  assert.equal(t.status(), '0 111/1024 0/1024 - rw no_discard_passdown error_if_no_space - 256 ');
  assert.equal(await t.message!('create_thin 5'), '');
  await assert.rejects(t.message!('create_thin 5'), (e: unknown) => e instanceof DmError && e.code === 'EEXIST');
  const thin = pool.thin(5, 8 * BB);
  const d = thinDmTarget('253:2', thin);
  assert.equal(d.table(), '253:2 5');
  assert.equal(d.status(), '0 -');
  await thin.write(3 * BB, fill(1, 10));
  assert.equal(d.status(), `${BS} ${4 * BS - 1}`);
  assert.deepEqual(d.devices(), ['253:2']);
  await pool.close();
});

test('pool_ctr: a blank metadata device is formatted unless read_only; the block size must match; devices may only grow', async () => {
  const meta = new MemoryDevice('/meta', 1024 * 4096);
  const dataDev = new MemoryDevice('/data', 8 * BB);
  assert.throws(() => poolLab({ metadata: meta, dataDev, readOnly: true }), (e: unknown) => e instanceof ThinPoolError && e.message === 'Error creating metadata object');
  assert.throws(() => poolLab({ metadata: meta, dataBlockSize: 100 }), /Invalid block size/);
  const first = poolLab({ metadata: meta, dataDev, data: linearOver(dataDev, 4 * BB) });
  assert.deepEqual(first.logs, []);
  assert.match(first.pool.status(), / 0\/4 /);
  await first.pool.close();
  const logs: string[] = [];
  assert.throws(
    () => ThinPool.open({ metadata: meta, data: linearOver(dataDev), dataBlockSize: 256, lowWaterMark: 0, name: '253:2', log: (m) => void logs.push(m) }),
    (e: unknown) => e instanceof ThinPoolError && e.message === 'Error creating metadata object',
  );
  assert.deepEqual(logs, ['device-mapper: thin metadata: changing the data block size (from 128 to 256) is not supported']);
});

test('pool_ctr: a smaller data device is refused; a bigger one grows the data space map, logged', async () => {
  const meta = new MemoryDevice('/meta', 1024 * 4096);
  const dataDev = new MemoryDevice('/data', 8 * BB);
  await poolLab({ metadata: meta, dataDev, data: linearOver(dataDev, 4 * BB) }).pool.close();
  const logs: string[] = [];
  const open = (blocks: number) => ThinPool.open({ metadata: meta, data: linearOver(dataDev, blocks * BB), dataBlockSize: BS, lowWaterMark: 0, name: '253:2', log: (m) => void logs.push(m) });
  assert.throws(() => open(2), /pool target \(2 blocks\) too small: expected 4/);
  assert.deepEqual(logs, [`${W}253:2: pool target (2 blocks) too small: expected 4`]);
  const p = open(8);
  assert.equal(logs.at(-1), `${W}253:2: growing the data device from 4 to 8 blocks`);
  assert.match(p.status(), / 0\/8 /);
  await p.close();
  assert.deepEqual(checkThinMetadata(meta).errors, []);
});

test('read_only: the pool loads read-only, reads work, provisioning and messages fail', async () => {
  const meta = new MemoryDevice('/meta', 1024 * 4096);
  const dataDev = new MemoryDevice('/data', 8 * BB);
  const a = poolLab({ metadata: meta, dataDev });
  await a.pool.message('create_thin 0');
  await a.pool.thin(0, 8 * BB).write(0, fill(3));
  await a.pool.close();
  const b = poolLab({ metadata: meta, dataDev, readOnly: true });
  assert.deepEqual(b.logs, [`${W}253:2: switching pool to read-only mode`]);
  assert.equal(b.pool.table('253:0', '253:1'), '253:0 253:1 128 0 1 read_only ');
  assert.match(b.pool.status(), / ro discard_passdown queue_if_no_space - 256 $/);
  const thin = b.pool.thin(0, 8 * BB);
  assert.deepEqual(await thin.read(0, BB), fill(3));
  await assert.rejects(thin.write(BB, fill(1)), /Input\/output error/);
  await thin.discard(0, BB); // completes without effect
  assert.deepEqual(await thin.read(0, BB), fill(3));
  await assert.rejects(b.pool.message('create_thin 1'), errno('EOPNOTSUPP'));
  await b.pool.close();
});

test('a data device that cannot discard turns passdown off, as the kernel says', async () => {
  const dataDev = new MemoryDevice('/data', 8 * BB);
  const inner = linearOver(dataDev);
  const data = Object.assign(Object.create(inner) as typeof inner, { caps: { ...inner.caps, discard: false } });
  const { pool, logs } = poolLab({ dataDev, data, dataDevName: 'dm-1' });
  assert.deepEqual(logs, [`${W}Data device (dm-1) discard unsupported: Disabling discard passdown.`]);
  assert.match(pool.status(), / no_discard_passdown /);
  assert.equal(pool.table('253:0', '253:1'), '253:0 253:1 128 0 0 ', 'the table shows what was asked for');
  await pool.close();
});

test('SegmentDevice: an LV over pieces of several devices reads and writes across them, and holds pool metadata', async () => {
  const a = new MemoryDevice('/pv1', 1 << 20);
  const b = new MemoryDevice('/pv2', 1 << 20);
  const pieces = [
    { dev: a, offset: 4096 * 3, length: 4096 * 100 },
    { dev: b, offset: 0, length: 4096 * 50 },
    { dev: a, offset: 4096 * 150, length: 4096 * 106 },
  ];
  const lv = new SegmentDevice('/dev/vg/pool_tmeta', pieces);
  assert.equal(lv.size, 256 * 4096);
  const data = new Uint8Array(3 * 4096).map((_, i) => i & 0xff);
  lv.write(4096 * 99, data);
  assert.deepEqual(lv.read(4096 * 99, data.length), data);
  assert.deepEqual(a.read(4096 * 102, 4096), data.subarray(0, 4096));
  assert.deepEqual(b.read(0, 8192), data.subarray(4096));
  assert.throws(() => lv.read(lv.size - 10, 20), /outside/);
  assert.throws(() => new SegmentDevice('/x', [{ dev: a, offset: 1 << 20, length: 1 }]), /outside/);
  const fresh = new SegmentDevice('/dev/vg/p2_tmeta', [
    { dev: b, offset: 4096 * 50, length: 4096 * 100 },
    { dev: b, offset: 4096 * 160, length: 4096 * 28 },
  ]);
  const { pool } = poolLab({ metadata: fresh as unknown as MemoryDevice });
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 64 * BB);
  for (let v = 0; v < 64; v += 3) await thin.write(v * BB, fill(v));
  await pool.close();
  assert.deepEqual(checkThinMetadata(fresh).errors, []);
});

test('a status without noflush commits first; a noflush one does not', async () => {
  const { pool, meta } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 8 * BB);
  await thin.write(0, fill(1));
  const seen = () => {
    const copy = new MemoryDevice('/copy', meta.size);
    copy.write(0, meta.read(0, meta.size));
    const out: number[] = [];
    ThinPool.open({ metadata: copy, data: linearOver(new MemoryDevice('/d', 1024 * BB)), dataBlockSize: BS, lowWaterMark: 0, name: 'x' }).md.mappings(0, (v) => void out.push(v));
    return out;
  };
  assert.match(pool.status(), /^0 \d+\/1024 1\/1024 - rw /);
  assert.deepEqual(seen(), []);
  assert.match(await pool.flushedStatus(), /^0 \d+\/1024 1\/1024 - rw /);
  assert.deepEqual(seen(), [0]);
  await pool.close();
});

test('suspend commits and refuses new thins until resume', async () => {
  const { pool, meta } = poolLab();
  await pool.message('create_thin 0');
  const thin = pool.thin(0, 8 * BB);
  await thin.write(0, fill(4));
  await pool.suspend();
  assert.throws(() => pool.thin(0, BB), /Unable to activate thin device while pool is suspended/);
  const out: number[] = [];
  const copy = new MemoryDevice('/copy', meta.size);
  copy.write(0, meta.read(0, meta.size));
  ThinPool.open({ metadata: copy, data: linearOver(new MemoryDevice('/d', 1024 * BB)), dataBlockSize: BS, lowWaterMark: 0, name: 'x' }).md.mappings(0, (v) => void out.push(v));
  assert.deepEqual(out, [0], 'postsuspend committed the mapping');
  pool.resume();
  pool.thin(0, BB).release();
  await pool.close();
});

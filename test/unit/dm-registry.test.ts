// The device-mapper registry: minors as the kernel hands them out, uuids, load/suspend/resume
// swapping tables, removal refused while open or used by another table, deps from tables,
// events in order, messages routed to the target or refused; and the registry an engine fills
// for a snapshot family (lvm2's names, uuids, layers and holders).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTarget as Ram } from '../helpers/memory-target.ts';
import { DmError, type DmEvent, DmRegistry, type DmDevice } from '../../src/mapper/registry.ts';
import { type DmTable, type DmTarget, oneLine } from '../../src/mapper/dm-table.ts';
import { engineSession } from '../helpers/engine-session.ts';

const MiB = 1024 * 1024;

/** A one-line table over RAM whose target names `uses` (devices) and prints `params`. */
function table(io: Ram, type: string, params: string, uses: string[] = [], extra: Partial<DmTarget> = {}): DmTable {
  return oneLine(io, { type, table: () => params, status: () => '', devices: () => uses, ...extra }, false);
}

const busy = (e: unknown) => e instanceof DmError && e.code === 'EBUSY';

test('minors are the lowest free ones; names and uuids are unique', () => {
  const r = new DmRegistry(250);
  const a = r.create('vg-a', 'LVM-a');
  const b = r.create('vg-b', 'LVM-b');
  const c = r.create('vg-c', 'LVM-c');
  assert.deepEqual([a.minor, b.minor, c.minor], [0, 1, 2]);
  assert.equal(b.dev, '250:1');
  r.remove(b);
  assert.equal(r.create('vg-d', 'LVM-d').minor, 1, 'a freed minor is handed out again');
  assert.equal(r.create('vg-e', 'LVM-e').minor, 3);
  assert.throws(() => r.create('vg-a', 'LVM-x'), (e: unknown) => e instanceof DmError && e.code === 'EEXIST');
  assert.throws(() => r.create('vg-x', 'LVM-a'), (e: unknown) => e instanceof DmError && e.code === 'EEXIST');
  assert.deepEqual(r.list().map((d) => d.name), ['vg-a', 'vg-d', 'vg-c', 'vg-e']);
  assert.equal(r.info(a).uuid, 'LVM-a');
});

test('load fills the inactive table; resume swaps it in, I/O waits while suspended', async () => {
  const r = new DmRegistry(250);
  const d = r.create('vg-lv', 'LVM-1');
  const one = new Ram(MiB);
  one.bytes.fill(1);
  const two = new Ram(2 * MiB);
  two.bytes.fill(2);
  r.load(d, table(one, 'linear', '/dev/one 0'));
  assert.deepEqual([r.info(d).live, r.info(d).inactive, d.size], [false, true, 0]);
  r.resume(d);
  assert.deepEqual([r.info(d).live, r.info(d).inactive, d.size], [true, false, MiB]);
  assert.deepEqual(r.tableOf('vg-lv'), ['0 2048 linear /dev/one 0']);
  await r.suspend(d);
  r.load(d, table(two, 'linear', '/dev/two 0'));
  assert.deepEqual(r.tableOf('vg-lv'), ['0 2048 linear /dev/one 0'], 'the live table stays until resume');
  assert.deepEqual(r.tableOf('vg-lv', true), ['0 4096 linear /dev/two 0']);
  let read: number | undefined;
  const pending = d.io.read(0, 1).then((b) => (read = b[0]));
  await new Promise((res) => setTimeout(res, 10));
  assert.equal(read, undefined, 'a read waits while the device is suspended');
  r.resume(d);
  await pending;
  assert.equal(read, 2, 'the waiting read goes to the new table');
  assert.equal(d.size, 2 * MiB);
  assert.deepEqual(r.tableOf('vg-lv'), ['0 4096 linear /dev/two 0']);
  assert.equal(r.info(d).suspended, false);
});

test('deps come from the tables; removal is refused while another table uses the device or it is open', () => {
  const r = new DmRegistry(250);
  const real = r.create('vg-o-real', 'LVM-o-real');
  const cow = r.create('vg-s-cow', 'LVM-s-cow');
  const origin = r.create('vg-o', 'LVM-o');
  const snap = r.create('vg-s', 'LVM-s');
  const ram = new Ram(MiB);
  r.load(real, table(ram, 'linear', '/dev/loop0 2048', ['/dev/loop0']));
  r.load(cow, table(ram, 'linear', '/dev/loop1 2048', ['/dev/loop1']));
  r.load(origin, table(ram, 'snapshot-origin', real.dev, [real.dev]));
  r.load(snap, table(ram, 'snapshot', `${real.dev} ${cow.dev} P 8`, [real.dev, cow.dev]));
  for (const d of [real, cow, origin, snap]) r.resume(d);
  assert.deepEqual(r.info(snap).deps, [cow.dev, real.dev], "the kernel's deps order: the last one added first");
  assert.deepEqual(r.info(real).deps, ['/dev/loop0']);
  assert.deepEqual(r.holders(real).map((d) => d.name), ['vg-o', 'vg-s']);
  assert.equal(r.info(real).openCount, 2, 'each table using -real holds it open');
  assert.equal(r.info(cow).openCount, 1);
  assert.equal(r.info(snap).openCount, 0);
  assert.throws(() => r.remove(real), busy);
  assert.throws(() => r.remove(real, true), busy, 'even forced: a live table still maps onto it');
  snap.opens++;
  assert.throws(() => r.remove(snap), busy);
  snap.opens--;
  let nbdUsers = 1;
  r.countOpens((d) => (d === snap ? nbdUsers : 0));
  assert.equal(r.info(snap).openCount, 1, 'opens others count (an NBD client) are in the open count');
  assert.throws(() => r.remove(snap), busy);
  nbdUsers = 0;
  r.remove(snap);
  r.remove(cow);
  assert.throws(() => r.remove(real), busy, 'the origin still uses it');
  r.remove(origin);
  r.remove(real);
  assert.deepEqual(r.list(), []);
  assert.throws(() => r.remove(real), (e: unknown) => e instanceof DmError && e.code === 'ENXIO');
});

test('a forced removal of an open device fails its remaining I/O', async () => {
  const r = new DmRegistry(250);
  const d = r.create('vg-lv', 'LVM-1');
  r.load(d, table(new Ram(MiB), 'linear', '/dev/x 0'));
  r.resume(d);
  d.opens = 1;
  assert.throws(() => r.remove(d), busy);
  r.remove(d, true);
  assert.equal(r.get('vg-lv'), undefined);
  await assert.rejects(d.io.read(0, 512));
});

test('subscribers get the events in the order they happen', async () => {
  const r = new DmRegistry(250);
  const seen: string[] = [];
  const off = r.subscribe((e: DmEvent) => seen.push(`${e.type} ${e.dev.name}${e.type === 'renamed' ? ` from ${e.oldName}` : ''}${e.type === 'resized' ? ` from ${e.oldSize}` : ''}`));
  const d = r.create('vg-lv', 'LVM-1', { vgId: 'v', vgName: 'vg', lvId: 'l', lvName: 'lv' });
  r.load(d, table(new Ram(MiB), 'linear', '/dev/x 0'));
  r.resume(d);
  await r.suspend(d);
  await r.suspend(d);
  r.load(d, table(new Ram(2 * MiB), 'linear', '/dev/x 0'));
  r.resume(d);
  r.rename(d, 'vg-lv2', { vgId: 'v', vgName: 'vg', lvId: 'l', lvName: 'lv2' });
  assert.equal(d.owner?.lvName, 'lv2');
  assert.equal(r.get('vg-lv'), undefined);
  assert.equal(r.get('vg-lv2'), d);
  r.remove(d);
  off();
  r.create('vg-other', 'LVM-2');
  assert.deepEqual(seen, [
    'created vg-lv',
    'resumed vg-lv',
    'suspended vg-lv',
    'resumed vg-lv',
    `resized vg-lv from ${MiB}`,
    'renamed vg-lv2 from vg-lv',
    'removed vg-lv2',
  ]);
});

test('a message goes to the target holding the sector; targets without a handler refuse it', async () => {
  const r = new DmRegistry(250);
  const d = r.create('vg-pool', 'LVM-p');
  const got: string[] = [];
  const ram = new Ram(2 * MiB);
  const withMsg: DmTarget = { type: 'thin-pool', table: () => '', status: () => '', devices: () => [], message: async (t) => (got.push(t), `ok ${t}`) };
  const plain: DmTarget = { type: 'linear', table: () => '/dev/x 0', status: () => '', devices: () => ['/dev/x'] };
  r.load(d, { lines: [{ start: 0, length: 2048, target: withMsg }, { start: 2048, length: 2048, target: plain }], io: ram, readOnly: false });
  await assert.rejects(r.message('vg-pool', 0, 'x'), (e: unknown) => e instanceof DmError && e.code === 'EINVAL', 'no live table yet');
  r.resume(d);
  assert.equal(await r.message('vg-pool', 100, 'create_thin 0'), 'ok create_thin 0');
  assert.deepEqual(got, ['create_thin 0']);
  await assert.rejects(r.message('vg-pool', 3000, 'x'), /does not support messages/);
  await assert.rejects(r.message('vg-pool', 4096, 'x'), /outside device/);
  await assert.rejects(r.message('vg-none', 0, 'x'), (e: unknown) => e instanceof DmError && e.code === 'ENXIO');
});

test("an engine's snapshot family in the registry: lvm2's names, uuids, minors, layers and holders", async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    const r = engine.registry;
    const events: string[] = [];
    r.subscribe((e) => events.push(`${e.type} ${e.dev.name}`));
    await ok('lvcreate -s -L 4M -n snap vg/lvol0');
    const byName = new Map(r.list().map((d): [string, DmDevice] => [d.name, d]));
    assert.deepEqual(r.list().map((d) => [d.name, d.minor]), [
      ['vg-lvol0', 0],
      ['vg-lvol0-real', 1],
      ['vg-snap-cow', 2],
      ['vg-snap', 3],
    ]);
    const origin = byName.get('vg-lvol0')!;
    const real = byName.get('vg-lvol0-real')!;
    const cow = byName.get('vg-snap-cow')!;
    const snap = byName.get('vg-snap')!;
    assert.match(origin.uuid, /^LVM-\S+$/);
    assert.equal(real.uuid, `${origin.uuid}-real`);
    assert.equal(cow.uuid, `${snap.uuid}-cow`);
    assert.deepEqual([real.owner?.layer, cow.owner?.layer, origin.owner?.layer], ['real', 'cow', undefined]);
    assert.deepEqual(r.info(origin).table, [`0 40960 snapshot-origin ${real.dev}`]);
    assert.deepEqual(r.info(snap).deps, [cow.dev, real.dev]);
    assert.deepEqual(r.holders(real).map((d) => d.name), ['vg-lvol0', 'vg-snap']);
    assert.match(r.info(snap).status[0]!, /^\d+\/8192 \d+$/);
    assert.throws(() => r.remove(real), busy);
    assert.ok(events.includes('created vg-lvol0-real') && events.indexOf('created vg-snap-cow') < events.indexOf('created vg-snap'));
    // The layers go when nothing uses them: the snapshot's with it, the origin's at its reload.
    await ok('lvremove -y vg/snap');
    assert.deepEqual(r.list().map((d) => d.name), ['vg-lvol0']);
    assert.deepEqual(r.info(origin).table, ['0 40960 linear /dev/sda1 2048']);
    assert.ok(events.indexOf('removed vg-snap') < events.indexOf('removed vg-snap-cow'));
    assert.ok(events.indexOf('removed vg-snap-cow') < events.indexOf('removed vg-lvol0-real'));
    await ok('lvrename vg lvol0 data');
    assert.deepEqual(r.list().map((d) => [d.name, d.owner?.lvName]), [['vg-data', 'data']]);
    assert.ok(events.includes('renamed vg-data'));
    await ok('lvchange -an vg/data');
    assert.deepEqual(r.list(), []);
  } finally {
    s.close();
  }
});

test('dmsetup info shows each device of the registry with its own open count and uuid', async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    await ok('lvcreate -s -L 4M -n snap vg/lvol0');
    const real = engine.registry.get('vg-lvol0-real')!;
    const out = await ok('dmsetup info vg-lvol0-real');
    assert.match(out, /^Name: {14}vg-lvol0-real$/m);
    assert.match(out, /^Open count: {8}2$/m, 'the origin and the snapshot hold -real');
    assert.match(out, new RegExp(`^Major, minor: {6}${real.major}, ${real.minor}$`, 'm'));
    assert.match(out, new RegExp(`^UUID: ${real.uuid}$`, 'm'));
    assert.match(await ok('dmsetup info vg-snap-cow'), /^Open count: {8}1$/m);
    assert.match(await ok('dmsetup info vg-snap'), /^Open count: {8}0$/m);
  } finally {
    s.close();
  }
});

test('dmsetup message: a target without a message handler refuses it as the ioctl does; a handler answers', async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    const r = (await s.run('dmsetup message vg-lvol0 0 hello'))!;
    assert.deepEqual([r.stdout, r.stderr, r.rc], ['', 'device-mapper: message ioctl on vg-lvol0  failed: Invalid argument\nCommand failed.\n', 1]);
    const none = (await s.run('dmsetup message vg-none 0 hello'))!;
    assert.deepEqual([none.stderr, none.rc], ['device-mapper: message ioctl on vg-none  failed: No such device or address\nCommand failed.\n', 1]);
    const bad = (await s.run('dmsetup message vg-lvol0 x hello'))!;
    assert.deepEqual([bad.stderr, bad.rc], ['Invalid sector.\nCommand failed.\n', 1]);
    // A target that takes messages (as thin-pool will), loaded into a device of the same registry.
    const r2 = engine.registry;
    const d = r2.create('vg-pool', 'LVM-pool');
    r2.load(d, oneLine(new Ram(MiB), { type: 'thin-pool', table: () => '', status: () => '', devices: () => [], message: async (t) => `got ${t}` }, false));
    r2.resume(d);
    assert.equal(await ok('dmsetup message vg-pool 0 create_thin 1'), 'got create_thin 1\n');
  } finally {
    s.close();
  }
});

test("during a merge the snapshot's -cow stays for the origin's snapshot-merge table, and goes with the snapshot", async () => {
  const { s, engine, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    await ok('lvcreate -s -L 4M -n snap vg/lvol0');
    // Every other 4 KiB chunk: exceptions that merge one step each.
    const origin = engine.device('vg', 'lvol0')!;
    for (let c = 0; c < 16; c += 2) await origin.write(c * 4096, new Uint8Array(4096).fill(9));
    engine.mergeStepDelayMs = 30;
    const r = engine.registry;
    const merging = s.run('lvconvert --merge vg/snap');
    let seen: string[] | undefined;
    for (let i = 0; i < 200 && !seen; i++) {
      const t = r.get('vg-lvol0') ? r.tableOf('vg-lvol0') : [];
      if (t[0]?.includes('snapshot-merge')) seen = t;
      else await new Promise((res) => setTimeout(res, 5));
    }
    assert.ok(seen, 'the origin got the snapshot-merge table');
    const real = r.get('vg-lvol0-real')!;
    const cow = r.get('vg-snap-cow')!;
    assert.ok(real && cow, 'both layers stay while the merge runs');
    assert.equal(r.get('vg-snap'), undefined, "the snapshot's own device is gone");
    assert.deepEqual(seen, [`0 40960 snapshot-merge ${real.dev} ${cow.dev} P 8`]);
    assert.deepEqual(r.holders(cow).map((d) => d.name), ['vg-lvol0']);
    assert.equal((await merging)!.rc, 0);
    assert.deepEqual(r.list().map((d) => d.name), ['vg-lvol0']);
    assert.deepEqual(r.tableOf('vg-lvol0'), ['0 40960 linear /dev/sda1 2048']);
  } finally {
    s.close();
  }
});

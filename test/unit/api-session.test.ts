// The library's Session on memory disks: typed operations give the same VGs and LVs the commands
// make (the views are the report rows: attr and size as `lvs` prints them), lvm2's messages arrive
// as events, failures are UlvmErrors with codes and change nothing, and open() goes through
// activation (the open counts; an origin's writes copy-on-write into its snapshot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session, UlvmError, MemoryDisks, runCommand, BufferIo } from '../../src/index.ts';

const MiB = 1024 * 1024;

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-api-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  for (const d of ['/dev/mema', '/dev/memb']) disks.add(d, 64 * MiB);
  const devices = [...disks.disks.keys()];
  const s = new Session({ dir, devices, opener: disks, now: () => 1_700_000_000 });
  const events: string[] = [];
  s.on('print', (m) => events.push(`print: ${m}`)).on('warning', (m) => events.push(`warning: ${m}`)).on('error', (m) => events.push(`error: ${m}`));
  /** The same state read by the CLI (metadata only), as `lvs` prints it. */
  const cli = async (cmd: string, ...args: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', devices.join(','), '--driverloaded', 'n'], { io, env: { ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') }, uid: 0, cwd: dir, opener: disks });
    assert.equal(rc, 0, io.stderr);
    return io.stdout;
  };
  return { s, events, cli };
}

const code = (c: string) => (e: unknown) => e instanceof UlvmError && e.code === c;

test('VG, striped LV, snapshot through the Session: views agree with what lvs prints, messages are events', async (t) => {
  const { s, events, cli } = setup(t);
  const vg = await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  assert.deepEqual([vg.name, vg.pvCount, vg.extentSize, vg.extentCount, vg.attr], ['vg', 1, 4 * MiB, 15, 'wz--n-']);
  assert.equal((await s.vgextend('vg', ['/dev/memb'])).pvCount, 2);
  assert.equal((await s.vgreduce('vg', { devices: ['/dev/memb'] })).pvCount, 1);
  assert.equal((await s.vgextend('vg', ['/dev/memb'])).extentCount, 30);
  await s.pvchange({ devices: ['/dev/memb'], allocatable: false });
  assert.equal((await s.listPvs()).find((p) => p.name === '/dev/memb')!.attr, 'u--', 'not allocatable');
  await s.pvchange({ devices: ['/dev/memb'], allocatable: true });
  assert.ok(events.includes('print: Volume group "vg" successfully created'), events.join('\n'));
  const lv = await s.createLv({ vg: 'vg', name: 'data', size: '16m', stripes: 2 });
  assert.equal(lv.size, 16 * MiB);
  assert.equal(lv.attr, '-wi-a-----');
  assert.equal(lv.segments.length, 1);
  assert.equal(lv.segments[0]!.areas.length, 2, 'striped over both PVs');
  assert.equal(lv.segments[0]!.stripeSize, 64 * 1024, "lvm2's default stripe size");
  assert.ok(events.includes('print: Using default stripesize 64.00 KiB.'));
  const snap = await s.createSnapshot({ vg: 'vg', origin: 'data', name: 'snap', size: 4 * MiB });
  assert.equal(snap.origin, 'data');
  const lvs = await s.listLvs('vg');
  assert.deepEqual(lvs.map((l) => l.name), ['data', 'snap']);
  // The report's own columns, from the metadata the Session wrote.
  const report = await cli('lvs', '--noheadings', '--units', 'b', '--nosuffix', '-o', 'lv_name,lv_size,origin', 'vg');
  for (const l of lvs) assert.match(report, new RegExp(`${l.name} +${l.size}${l.origin ? ` +${l.origin}` : ''}`));
  const vgs = await s.listVgs();
  assert.equal(vgs[0]!.lvCount, 2);
  assert.equal(vgs[0]!.snapshotCount, 1);
  assert.equal(vgs[0]!.freeExtents, 30 - 4 - 1);
  await s.close();
});

test('open(): reads and writes through activation; the snapshot keeps the old data; the open counts', async (t) => {
  const { s } = setup(t);
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'data', size: 8 * MiB });
  const h = await s.open('vg/data');
  assert.equal(h.size, 8 * MiB);
  await h.write(MiB, new Uint8Array(4096).fill(7));
  await s.createSnapshot({ vg: 'vg', origin: 'data', name: 'snap', size: 4 * MiB });
  await h.write(MiB, new Uint8Array(4096).fill(9));
  const sh = await s.open('vg/snap');
  assert.ok((await sh.read(MiB, 4096)).every((b) => b === 7), 'the snapshot shows the data as it was');
  assert.ok((await h.read(MiB, 4096)).every((b) => b === 9));
  assert.equal((await s.listLvs('vg')).find((l) => l.name === 'data')!.openCount, 1);
  // An open LV is not removed (lvm2: "contains a filesystem in use"), and nothing changes.
  await assert.rejects(s.removeLv({ vg: 'vg', lvs: ['data'], force: true }), (e: unknown) => e instanceof UlvmError && /in use/.test(e.message));
  assert.equal((await s.listLvs('vg')).length, 2);
  await sh.close();
  await h.close();
  await assert.rejects(h.read(0, 512), code('FAILED'), 'a closed handle refuses I/O');
  await s.removeLv({ vg: 'vg', lvs: ['data'], force: true });
  assert.deepEqual(await s.listLvs('vg'), [], 'the origin took its snapshot with it');
  await s.close();
});

test('failures are UlvmErrors with codes and data, and leave the VG as it was', async (t) => {
  const { s, cli } = setup(t);
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  const before = await cli('vgs', '--noheadings', '-o', 'vg_seqno,lv_count,vg_free', 'vg');
  await assert.rejects(s.createLv({ vg: 'vg', name: 'big', size: '1g' }), (e: unknown) => e instanceof UlvmError && e.code === 'ENOSPC_VG' && e.data.freeExtents === 15 && e.data.requiredExtents === 256 && e.rc === 5);
  await assert.rejects(s.createLv({ vg: 'nope', size: '4m' }), code('VG_NOT_FOUND'));
  await assert.rejects(s.createLv({ vg: 'vg', name: 'bad/name', size: '4m' }), code('INVALID_NAME'));
  await assert.rejects(s.createLv({ vg: 'vg', size: '4m', extents: 1 }), code('INVALID_ARGUMENT'));
  await assert.rejects(s.vgcreate({ name: 'vg', pvs: ['/dev/memb'] }), code('INVALID_NAME'));
  await assert.rejects(s.extendLv({ vg: 'vg', lv: 'missing', size: '+4m' }), code('LV_NOT_FOUND'));
  assert.equal(await cli('vgs', '--noheadings', '-o', 'vg_seqno,lv_count,vg_free', 'vg'), before);
  const l = await s.createLv({ vg: 'vg', size: '4m' });
  assert.equal(l.name, 'lvol0');
  const grown = await s.extendLv({ vg: 'vg', lv: 'lvol0', extents: '+100%FREE' });
  assert.equal(grown.extents, 15);
  const renamed = await s.renameLv({ vg: 'vg', lv: 'lvol0', newName: 'all' });
  assert.equal(renamed.name, 'all');
  const ro = await s.changeLv('vg', 'all', { permission: 'r', addTags: ['db'] });
  assert.deepEqual([ro.attr.slice(0, 2), ro.tags], ['-r', ['db']]);
  await assert.rejects(s.changeLv('vg', 'all', { permission: 'r' }), (e: unknown) => e instanceof UlvmError && e.message === 'Logical volume vg/all is already read only.');
  const vg2 = await s.renameVg('vg', 'vg2');
  assert.equal(vg2.name, 'vg2');
  assert.deepEqual((await s.changeVg('vg2', { addTags: ['prod'], maxLv: 4 })).tags, ['prod']);
  await assert.rejects(s.changeVg('vg2', { maxLv: 0, resizeable: true }), (e: unknown) => e instanceof UlvmError && e.message === 'Volume group "vg2" is already resizeable');
  await assert.rejects(s.removeVg('vg2'), (e: unknown) => e instanceof UlvmError && /not removed/.test(e.message), 'a VG with LVs goes only when forced');
  await s.removeVg('vg2', { force: true });
  assert.deepEqual(await s.listVgs(), []);
  await s.close();
});

test('zero and error LVs through activation: reads give zeros or fail, and they take no extents', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-api-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/memz', 64 * MiB);
  const s = new Session({ dir, devices: ['/dev/memz'], opener: disks });
  await s.vgcreate({ name: 'vz', pvs: ['/dev/memz'] });
  const run = async (...argv: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand('lvcreate', [...argv, '--devices', '/dev/memz'], { io, env: { ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') }, uid: 0, cwd: dir, opener: disks, activator: s.activator });
    assert.equal(rc, 0, io.stderr);
  };
  await run('--type', 'zero', '-L', '1g', '-n', 'z', 'vz');
  await run('--type', 'error', '-L', '8m', '-n', 'e', 'vz');
  assert.equal((await s.listVgs())[0]!.freeExtents, 15, 'no extents taken');
  const z = await s.open('vz/z');
  assert.equal(z.size, 1024 * MiB);
  assert.ok((await z.read(512 * MiB, 4096)).every((b) => b === 0));
  await z.close();
  const e = await s.open('vz/e');
  await assert.rejects(e.read(0, 4096));
  await e.close();
  await s.close();
});

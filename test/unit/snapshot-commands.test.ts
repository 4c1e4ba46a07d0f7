// Classic snapshots through the commands, with in-process activation: chunk and COW size rules,
// Data% as the COW fills, overflow (attr 'I', Data% 100.00, dm status Invalid), family activation
// and removal, and the refusal to resize an active origin.
import { dmMajor } from '../../src/activation/major.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineSession } from '../helpers/engine-session.ts';

const DEVS = ['/dev/sda1', '/dev/sda2', '/dev/sda3'];

const session = () => engineSession(DEVS);

test('chunk size and COW size rules', async () => {
  const { s, ok } = await session();
  try {
    for (const c of ['3k', '1024k', '6k']) {
      const r = (await s.run(`lvcreate -s -c ${c} -L 8M -n x vg/lvol0`))!;
      assert.deepEqual([r.stderr, r.rc], ['  Chunk size must be a power of 2 in the range 4K to 512K.\n  Run `lvcreate --help\' for more information.\n', 3], c);
    }
    // 20 MiB origin, 4 KiB chunks: 5,120 data chunks + 21 areas + header = 41,136 sectors → 6 extents.
    assert.equal(await ok('lvcreate -s -L 40M -n big vg/lvol0'), '  Reducing COW size 40.00 MiB down to maximum usable size 24.00 MiB.\n  Logical volume "big" created.\n');
    // %ORIGIN adds the whole metadata estimate (6 - 5 extents) to 50% of 5 extents rounded up (3): 16 MiB.
    assert.equal(await ok('lvcreate -s -l 50%ORIGIN -n half vg/lvol0'), '  Logical volume "half" created.\n');
    assert.equal(await ok('lvs --noheadings -o lv_name,lv_size,origin,chunk_size,lv_attr vg'), [
      '  big   24.00m lvol0  4.00k swi-a-s---',
      '  half  16.00m lvol0  4.00k swi-a-s---',
      '  lvol0 20.00m           0  owi-a-s---',
      '',
    ].join('\n'));
    assert.equal((await s.run('lvcreate -s -L 4M -n x vg/half'))!.stderr, '  Snapshots of snapshots are not supported.\n');
    const r = (await s.run('lvextend -L +4M vg/lvol0'))!;
    assert.deepEqual([r.stderr, r.rc], ['  Snapshot origin volumes can be resized only while inactive: try lvchange -an.\n', 5]);
  } finally {
    s.close();
  }
});

test('Data% grows with origin writes; an overflowing snapshot turns invalid, the origin keeps its data', async () => {
  const { s, engine, ok } = await session();
  try {
    await ok('lvcreate -s -L 4M -n snap vg/lvol0');
    const origin = engine.device('vg', 'lvol0')!;
    const snap = engine.device('vg', 'snap')!;
    assert.equal(await ok('lvs --noheadings -o snap_percent vg/snap'), '  0.00  \n');
    await origin.write(0, new Uint8Array(1024 * 1024).fill(1));
    // 256 exceptions fill the first area; the next free chunk then skips the second area's
    // chunk, as the kernel's does: 259 chunks of 1,024 counted → 25.29%.
    assert.equal(await ok('lvs --noheadings -o snap_percent vg/snap'), '  25.29 \n');
    assert.ok((await snap.read(0, 4096)).every((b) => b === 0), 'the snapshot keeps the old (zero) data');
    await origin.write(1024 * 1024, new Uint8Array(4 * 1024 * 1024).fill(2));
    assert.equal(await ok('lvs --noheadings -o lv_name,lv_attr,data_percent vg'), '  lvol0 owi-a-s---       \n  snap  swi-I-s--- 100.00\n');
    assert.ok((await origin.read(1024 * 1024, 4 * 1024 * 1024)).every((b) => b === 2), 'the origin write went through');
    await assert.rejects(snap.read(0, 512));
    assert.match(await ok('dmsetup status'), /^vg-snap: 0 40960 snapshot Invalid$/m);
    assert.equal(await ok('lvremove -y vg/snap'), '  Logical volume "snap" successfully removed.\n');
    assert.match(await ok('dmsetup table'), /^vg-lvol0: 0 40960 linear \/dev\/sda1 2048$/m);
    assert.equal(await ok('lvs --noheadings -o lv_attr vg/lvol0'), '  -wi-a-----\n');
  } finally {
    s.close();
  }
});

test('an origin and its snapshots deactivate and activate together', async () => {
  const { s, engine, ok } = await session();
  try {
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    await engine.device('vg', 'lvol0')!.write(8192, new Uint8Array([7]));
    await ok('lvchange -an vg/lvol0');
    assert.equal(await ok('lvs --noheadings -o lv_name,lv_attr,data_percent vg'), '  lvol0 owi---s---       \n  snap  swi---s---       \n');
    await ok('vgchange -ay vg');
    assert.equal(await ok('lvs --noheadings -o lv_name,lv_attr vg'), '  lvol0 owi-a-s---\n  snap  swi-a-s---\n');
    // The exception written before deactivation is read back from the COW.
    assert.equal((await engine.device('vg', 'snap')!.read(8192, 1))[0], 0);
    assert.equal((await engine.device('vg', 'lvol0')!.read(8192, 1))[0], 7);
    assert.match(await ok('dmsetup ls'), new RegExp(`vg-snap\\s+\\(${dmMajor()}:\\d+\\)`));
  } finally {
    s.close();
  }
});

test('a held origin queues its writes until released; a snapshot taken meanwhile gets the copies', async () => {
  const { s, engine, ok } = await session();
  try {
    const origin = engine.device('vg', 'lvol0')!;
    let landed = false;
    const release = await engine.hold('vg', ['lvol0']);
    const w = origin.write(0, new Uint8Array(4096).fill(9)).then(() => (landed = true));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(landed, false, 'the write waits while the origin is held');
    // lvcreate -s loads the family's tables and resumes: the queued write now copies out first.
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    await w;
    await release();
    assert.ok((await engine.device('vg', 'snap')!.read(0, 4096)).every((b) => b === 0), 'the snapshot kept the data from before the write');
    assert.ok((await origin.read(0, 4096)).every((b) => b === 9));
  } finally {
    s.close();
  }
});

test('removing an origin removes its snapshots first, each in its own commit; vgremove -f of a VG with snapshots empties it', async () => {
  const { s, ok } = await engineSession(['/dev/sda1', '/dev/sda2']);
  try {
    await ok('lvcreate -s -L 4M -n snap1 vg/lvol0');
    await ok('lvcreate -s -L 4M -n snap2 vg/lvol0');
    await ok('lvchange -an vg/lvol0');
    const seq = async () => Number((await ok('vgs --noheadings -o vg_seqno vg')).trim());
    const before = await seq();
    const r = (await s.run('lvremove vg/lvol0'))!;
    assert.equal(r.rc, 0, r.stderr);
    assert.equal(r.stdout, '  Logical volume "snap1" successfully removed.\n  Logical volume "snap2" successfully removed.\n  Logical volume "lvol0" successfully removed.\n');
    assert.equal(await seq(), before + 3, 'one commit per LV removed');
    await ok('lvcreate -L 8M -n data vg');
    await ok('lvcreate -s -L 4M -n snap vg/data');
    await ok('lvchange -an vg/data');
    const g = (await s.run('vgremove -f vg'))!;
    assert.equal(g.rc, 0, g.stderr);
    assert.equal(g.stdout, '  Logical volume "snap" successfully removed.\n  Logical volume "data" successfully removed.\n  Volume group "vg" successfully removed\n');
    assert.equal(g.stderr, '');
  } finally {
    s.close();
  }
});

test('a COW smaller than three chunks is refused with lvm2 message (small extents, large chunks)', async () => {
  const { GoldenSession } = await import('../golden/harness.ts');
  const { ActivationEngine } = await import('../../src/activation/engine.ts');
  const s = new GoldenSession(['/dev/sda1']);
  s.activator = new ActivationEngine(s.disks);
  try {
    for (const l of ['pvcreate /dev/sda1', 'vgcreate -s 64k vg /dev/sda1', 'lvcreate -L 8M -n o vg']) assert.equal((await s.run(l))!.rc, 0, l);
    const r = (await s.run('lvcreate -s -c 512k -L 1M -n s vg/o'))!;
    assert.deepEqual([r.stderr, r.rc], ['  Snapshot volume cannot be smaller than 3 chunks (24 extents, 1.50 MiB).\n', 5]);
    assert.doesNotMatch((await s.run('lvs --noheadings -o lv_name'))!.stdout, /\bs\b/, 'nothing was created');
    assert.equal((await s.run('lvcreate -s -c 512k -L 1536k -n s vg/o'))!.rc, 0, 'three chunks are enough');
  } finally {
    s.close();
  }
});

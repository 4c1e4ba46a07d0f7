// lvconvert --merge of classic snapshots with in-process activation: at once when the origin is
// active and closed, on the next activation when it is open or inactive; other snapshots keep
// their view; refusals; and the merge's crash safety (re-run after a cut, empty table after).
import { dmMajor } from '../../src/activation/major.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession } from '../golden/harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { MountTable } from '../golden/vm-shell.ts';
import { MemoryTarget } from '../helpers/memory-target.ts';
import { CowStore } from '../../src/mapper/cow-store.ts';
import { mergeSnapshot } from '../../src/mapper/snapshot-merge.ts';
import { OriginTarget } from '../../src/mapper/snapshot-targets.ts';

const DEVS = ['/dev/sda1', '/dev/sda2'];
const MiB = 1024 * 1024;

async function session() {
  const s = new GoldenSession(DEVS);
  const mounts = new MountTable();
  const engine = new ActivationEngine(s.disks, undefined, undefined, mounts);
  s.activator = engine;
  const ok = async (line: string) => {
    const r = (await s.run(line))!;
    assert.equal(r.rc, 0, `${line}: ${r.stderr}`);
    assert.equal(r.stderr, '', line);
    return r.stdout;
  };
  await ok(`pvcreate ${DEVS.join(' ')}`);
  await ok(`vgcreate vg ${DEVS.join(' ')}`);
  await ok('lvcreate -L 20M -n lvol0 vg');
  const write = async (lv: string, offset: number, length: number, byte: number) => {
    const d = engine.device('vg', lv)!;
    await d.write(offset, new Uint8Array(length).fill(byte));
    await d.flush();
  };
  const bytes = async (lv: string, offset: number, length: number) => [...new Set(await engine.device('vg', lv)!.read(offset, length))];
  return { s, engine, mounts, ok, write, bytes };
}

test('merge at once: the origin rolls back to the snapshot, which is removed', async () => {
  const { s, ok, write, bytes } = await session();
  try {
    await write('lvol0', 0, 2 * MiB, 1);
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    await write('lvol0', 512 * 1024, 3 * MiB, 2);
    await write('snap', 5 * MiB, 4096, 3);
    assert.equal(await ok('lvconvert --merge vg/snap'), [
      '  Merging of volume vg/snap started.',
      '  vg/lvol0: Merged: 100.00%',
      '  Merge of snapshot into logical volume vg/lvol0 has finished.',
      '  Logical volume "snap" successfully removed.',
      '',
    ].join('\n'));
    assert.deepEqual(await bytes('lvol0', 0, 2 * MiB), [1], 'the origin reads what the snapshot held');
    assert.deepEqual(await bytes('lvol0', 2 * MiB, 3 * MiB), [0]);
    assert.deepEqual(await bytes('lvol0', 5 * MiB, 4096), [3], 'writes made to the snapshot are merged too');
    assert.equal(await ok('lvs -a --noheadings -o lv_name,lv_attr vg'), '  lvol0 -wi-a-----\n');
    assert.match(await ok('dmsetup table'), /^vg-lvol0: 0 40960 linear \/dev\/sda1 2048$/m);
  } finally {
    s.close();
  }
});

test('merging one snapshot leaves another snapshot of the origin its own view', async () => {
  const { s, ok, write, bytes } = await session();
  try {
    await ok('lvcreate -s -L 8M -n old vg/lvol0');
    await write('lvol0', 0, MiB, 1);
    await ok('lvcreate -s -L 8M -n mid vg/lvol0');
    await write('lvol0', 0, 2 * MiB, 2);
    await ok('lvconvert --merge vg/old');
    assert.deepEqual(await bytes('lvol0', 0, 2 * MiB), [0]);
    assert.deepEqual(await bytes('mid', 0, MiB), [1]);
    assert.deepEqual(await bytes('mid', MiB, MiB), [0]);
    assert.equal(await ok('lvs --noheadings -o lv_name,lv_attr,origin vg'), '  lvol0 owi-a-s---       \n  mid   swi-a-s--- lvol0 \n');
  } finally {
    s.close();
  }
});

test('an open origin delays the merge to its next activation; an inactive one too', async () => {
  const { s, ok, write, bytes, mounts } = await session();
  try {
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    await write('lvol0', 0, MiB, 7);
    mounts.mount('vg/lvol0', '/mnt');
    assert.equal(await ok('lvconvert --merge vg/snap'), '  Delaying merge since origin is open.\n  Merging of snapshot vg/snap will occur on next activation of vg/lvol0.\n');
    assert.equal(await ok('lvs -a --noheadings -o lv_name,lv_attr,lv_merging vg'), '  lvol0  Owi-aos---    merging\n  [snap] Swi-a-s---    merging\n');
    assert.equal(await ok('lvs --noheadings -o lv_name vg'), '  lvol0\n');
    assert.deepEqual(await bytes('lvol0', 0, MiB), [7], 'nothing merged under the mounted file system');
    mounts.umount('/mnt');
    assert.equal(await ok('lvchange -an vg/lvol0'), '');
    assert.equal(await ok('lvchange -ay vg/lvol0'), '');
    assert.deepEqual(await bytes('lvol0', 0, MiB), [0], 'merged on activation');
    assert.equal(await ok('lvs -a --noheadings -o lv_name,lv_attr vg'), '  lvol0 -wi-a-----\n');

    await ok('lvcreate -s -L 8M -n snap2 vg/lvol0');
    await write('lvol0', 0, MiB, 9);
    await ok('lvchange -an vg/lvol0');
    assert.equal(await ok('lvconvert --merge vg/snap2'), '  Merging of snapshot vg/snap2 will occur on next activation of vg/lvol0.\n');
    assert.equal(await ok('lvs -a --noheadings -o lv_name,lv_attr,lv_merging vg'), '  lvol0   Owi---s---    merging\n  [snap2] Swi---s---    merging\n');
    assert.equal(await ok('vgchange -ay vg'), '  Background polling started for 1 logical volume(s) in volume group "vg"\n  1 logical volume(s) in volume group "vg" now active\n');
    assert.deepEqual(await bytes('lvol0', 0, MiB), [0]);
    assert.equal(await ok('lvs -a --noheadings -o lv_name vg'), '  lvol0\n');
  } finally {
    s.close();
  }
});

test('lvconvert --merge refusals are lvm2’s', async () => {
  const { s, ok, write, mounts } = await session();
  try {
    const run = async (line: string) => {
      const r = (await s.run(line))!;
      return [r.stdout, r.stderr, r.rc];
    };
    assert.deepEqual(await run('lvconvert --merge vg/lvol0'), ['', '  vg/lvol0 cannot be merged because --trackchanges was not used.\n', 5]);
    assert.deepEqual(await run('lvconvert --merge vg/nosuch'), ['', '  Failed to find logical volume "vg/nosuch"\n', 5]);
    await ok('lvcreate -s -L 4M -n a vg/lvol0');
    await ok('lvcreate -s -L 4M -n b vg/lvol0');
    mounts.mount('vg/lvol0', '/mnt');
    await ok('lvconvert --merge vg/a');
    assert.deepEqual(await run('lvconvert --merge vg/a'), ['', '  Command on LV vg/a is invalid on LV with properties: lv_is_merging_cow .\n  Command not permitted on LV vg/a.\n', 5]);
    assert.deepEqual(await run('lvconvert --merge vg/b'), ['', '  Cannot merge snapshot vg/b into the origin vg/lvol0 with merging snapshot vg/b.\n', 5]);
    assert.deepEqual(await run('lvconvert --mergesnapshot vg/a'), [
      '',
      '  Command on LV vg/a is invalid on LV with properties: lv_is_merging_cow .\n  Command on LV vg/a requires LV with properties: lv_is_visible .\n  Command not permitted on LV vg/a.\n',
      5,
    ]);
    assert.deepEqual(await run('lvremove -f vg/a'), ['', "  Can't remove merging snapshot logical volume vg/a.\n", 5]);
    assert.deepEqual(await run('lvdisplay vg/a'), ['', '', 0]);
    assert.equal(await ok('lvscan'), "  ACTIVE   Original '/dev/vg/lvol0' [20.00 MiB] inherit\n  ACTIVE   Snapshot '/dev/vg/b' [4.00 MiB] inherit\n");
    mounts.umount('/mnt');
    await ok('lvchange -an vg/lvol0');
    await ok('lvchange -ay vg/lvol0');
    await ok('lvcreate -s -L 4M -n tiny vg/lvol0');
    await write('lvol0', 0, 8 * MiB, 5);
    assert.deepEqual(await run('lvconvert --merge vg/tiny'), ['', '  Unable to merge invalidated snapshot LV vg/tiny.\n', 5]);
    // Both named: the first starts merging, so the second meets a merging origin (lvm2 polls last).
    await ok('lvcreate -s -L 4M -n s5 vg/lvol0');
    await ok('lvcreate -s -L 4M -n s6 vg/lvol0');
    assert.deepEqual(await run('lvconvert --merge vg/s5 vg/s6'), [
      '  Merging of volume vg/s5 started.\n  vg/lvol0: Merged: 100.00%\n  Merge of snapshot into logical volume vg/lvol0 has finished.\n  Logical volume "s5" successfully removed.\n',
      '  Cannot merge snapshot vg/s6 into the origin vg/lvol0 with merging snapshot vg/s6.\n',
      5,
    ]);
  } finally {
    s.close();
  }
});

test('a merge cut short copies the same data again; after it the table is empty', async () => {
  const chunk = 8;
  const cb = chunk * 512;
  const real = new MemoryTarget(64 * cb);
  const cow = new MemoryTarget(32 * cb);
  const store = new CowStore(cow, chunk);
  await store.load();
  await real.write(0, new Uint8Array(16 * cb).fill(1));
  const origin = new OriginTarget(real, () => [store]);
  await origin.write(2 * cb, new Uint8Array(5 * cb).fill(2));
  await origin.write(10 * cb, new Uint8Array(cb).fill(3));
  assert.equal(store.exceptions().length, 6);

  // The cut: the second origin write of the merge fails, as a crash would stop it.
  real.failWrite = 2;
  await assert.rejects(mergeSnapshot(real, store, () => []));
  real.failWrite = undefined;
  const again = new CowStore(cow, chunk);
  await again.load();
  // As the kernel's merge: the run merged before the cut (chunk 10, the table's last) has left the table.
  assert.deepEqual(again.exceptions().map(([o]) => o).sort((a, b) => a - b), [2, 3, 4, 5, 6], 'what is not back in the origin is still in the table');
  const r = await mergeSnapshot(real, again, () => []);
  assert.equal(r.total, 5);
  assert.deepEqual([...new Set(await real.read(0, 16 * cb))], [1]);
  const after = new CowStore(cow, chunk);
  await after.load();
  assert.equal(after.exceptions().length, 0, 'an emptied table: merging again changes nothing');
});

test('lvextend of a snapshot stops at the maximum COW size; a snapshot origin is not reduced', async () => {
  const { s, ok } = await session();
  try {
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    // lvm2 2.03.16 in the appliance, same sizes: 20 MiB origin, 4 KiB chunks → 6 extents at most.
    assert.equal(await ok('lvextend -L +40M vg/snap'), [
      '  Reached maximum COW size 24.00 MiB (6 extents).',
      '  Size of logical volume vg/snap changed from 8.00 MiB (2 extents) to 24.00 MiB (6 extents).',
      '  Logical volume vg/snap successfully resized.',
      '',
    ].join('\n'));
    const unchanged = '  Reached maximum COW size 24.00 MiB (6 extents).\n  Size of logical volume vg/snap unchanged from 24.00 MiB (6 extents).\n  Logical volume vg/snap successfully resized.\n';
    assert.equal(await ok('lvextend -L +4M vg/snap'), unchanged);
    assert.equal(await ok('lvextend -l +100%LV vg/snap'), unchanged);
    assert.equal(await ok('lvresize -L 48M vg/snap'), unchanged);
    await ok('lvchange -an vg/lvol0');
    const r = (await s.run('lvreduce -f -L -4M vg/lvol0'))!;
    assert.deepEqual([r.stdout, r.stderr, r.rc], ['', '  Snapshot origin volumes cannot be reduced in size yet.\n', 5]);
  } finally {
    s.close();
  }
});

test('an inactive origin grows; its snapshot keeps the old size and is not copied into past it', async () => {
  const { s, ok, write, bytes } = await session();
  try {
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    await ok('lvchange -an vg/lvol0');
    assert.equal(await ok('lvextend -L +8M vg/lvol0'), '  Size of logical volume vg/lvol0 changed from 20.00 MiB (5 extents) to 28.00 MiB (7 extents).\n  Logical volume vg/lvol0 successfully resized.\n');
    const r = (await s.run('lvresize -L 16M vg/lvol0'))!;
    assert.deepEqual([r.stderr, r.rc], ['  Snapshot origin volumes cannot be reduced in size yet.\n', 5]);
    await ok('lvchange -ay vg/lvol0');
    assert.match(await ok('dmsetup table'), new RegExp(`^vg-lvol0: 0 57344 snapshot-origin ${dmMajor()}:\\d+$`, 'm'));
    assert.match(await ok('dmsetup table'), new RegExp(`^vg-snap: 0 40960 snapshot ${dmMajor()}:\\d+ ${dmMajor()}:\\d+ P 8$`, 'm'));
    const before = await ok('lvs --noheadings -o snap_percent vg/snap');
    await write('lvol0', 20 * MiB, 8 * MiB, 4);
    assert.equal(await ok('lvs --noheadings -o snap_percent vg/snap'), before, 'nothing past the snapshot was copied');
    await write('lvol0', 0, MiB, 5);
    assert.deepEqual(await bytes('snap', 0, MiB), [0]);
    assert.deepEqual(await bytes('lvol0', 20 * MiB, 8 * MiB), [4]);
  } finally {
    s.close();
  }
});

test('a merging snapshot that is not live can be removed; the origin is then plain again', async () => {
  const { s, ok, mounts } = await session();
  try {
    await ok('lvcreate -s -L 8M -n snap vg/lvol0');
    mounts.mount('vg/lvol0', '/mnt');
    await ok('lvconvert --merge vg/snap');
    mounts.umount('/mnt');
    await ok('vgchange -an vg');
    // Inactive: lvm2 lets it go (lv_remove_single checks the live table only).
    assert.equal(await ok('lvremove -y vg/snap'), '  Logical volume "snap" successfully removed.\n');
    assert.equal(await ok('lvs -a --noheadings -o lv_name,lv_attr vg'), '  lvol0 -wi-------\n');
  } finally {
    s.close();
  }
});

// dm-snapshot's persistent COW format, both ways with the real kernel (lvm2 + device-mapper in a
// libguestfs appliance): ulvm reads a snapshot the kernel built (exceptions, Data%), then ulvm adds
// exceptions across several metadata areas and overflows a second snapshot, and the kernel reads
// both back (contents, Data%, the invalid flag). Two appliance boots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparseFile } from '../helpers/files.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { openLv, type OpenedLv } from '../../src/mapper/open-lv.ts';
import { CowStore } from '../../src/mapper/cow-store.ts';
import { OriginTarget, SnapshotTarget } from '../../src/mapper/snapshot-targets.ts';
import type { BlockTarget } from '../../src/mapper/target.ts';
import type { SnapshotSegment } from '../../src/model/types.ts';
import { pct } from '../../src/report/values.ts';
import { guestfish, haveGuestfish } from '../helpers/guestfish.ts';

const MiB = 1024 * 1024;

function pattern(tag: string, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let s = 0; s < bytes / 512; s++) b.write(`${tag}:${s}:`.padEnd(512, String.fromCharCode(65 + (s % 26))), s * 512, 'latin1');
  return b;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function readAll(t: BlockTarget): Promise<Uint8Array> {
  return t.read(0, t.size);
}

/** The snapshot's COW store and origin as ulvm opens them from the metadata. */
async function openSnapshot(disk: string, cowName: string) {
  const found = scanDevices(fileOpener, [disk]).get('vgk')!;
  const seg = found.vg.lvs.flatMap((l) => l.segments).find((s): s is SnapshotSegment => s.kind === 'snapshot' && s.cowStore === cowName)!;
  assert.ok(seg, `lvm2 wrote a snapshot segment for ${cowName}`);
  const opened: OpenedLv[] = [await openLv(found, seg.origin), await openLv(found, cowName)];
  const store = new CowStore(opened[1]!.device, seg.chunkSize);
  await store.load();
  return { origin: opened[0]!.device, store, close: () => Promise.all(opened.map((o) => o.close())) };
}

test('ulvm and the kernel read each other’s dm-snapshot COW stores', async (t) => {
  if (!haveGuestfish()) return t.skip('guestfish (libguestfs-tools) is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-kcow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disk = join(dir, 'd1.img');
  sparseFile(disk, 64 * MiB);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (cmd: string, ...args: string[]) => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener });
    assert.equal(rc, 0, `${cmd} ${args.join(' ')}: ${io.stderr}`);
  };
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgk', disk);
  await ulvm('lvcreate', '-an', '-L', '20M', '-n', 'lvol0', 'vgk');
  const before = pattern('origin', 20 * MiB);
  {
    const found = scanDevices(fileOpener, [disk]).get('vgk')!;
    const o = await openLv(found, 'lvol0');
    await o.device.write(0, before);
    await o.device.flush();
    await o.close();
  }

  // Boot 1: the kernel snapshots lvol0 and copies chunks 5..7 out before overwriting them.
  const k1 = guestfish([
    `add-drive-opts ${disk} format:raw`,
    'run',
    'vg-activate-all true',
    'debug sh "lvm lvcreate -s -L 10M -n snap vgk/lvol0 >/dev/null 2>&1; lvm lvcreate -s -L 4M -n small vgk/lvol0 >/dev/null 2>&1; echo created"',
    'debug sh "head -c 12288 /dev/zero | tr \\"\\\\000\\" K | dd of=/dev/vgk/lvol0 bs=4096 seek=5 oflag=direct conv=fsync 2>/dev/null; echo written"',
    'checksum-device sha256 /dev/vgk/snap',
    'checksum-device sha256 /dev/vgk/lvol0',
    'debug sh "lvm lvs --noheadings -o lv_name,lv_attr,snap_percent vgk 2>/dev/null"',
    'vg-activate-all false',
  ]);
  assert.equal(k1[0], 'created');
  assert.equal(k1[1], 'written');
  const after = Buffer.from(before);
  after.fill('K', 5 * 4096, 8 * 4096);
  assert.equal(k1[2], sha(before), 'the kernel snapshot shows lvol0 as it was');
  assert.equal(k1[3], sha(after));
  const kLvs1 = new Map(k1.slice(4).map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f.slice(1)]));
  assert.equal(kLvs1.get('snap')![0], 'swi-a-s---');

  const s1 = await openSnapshot(disk, 'snap');
  assert.equal(s1.store.invalid, false);
  assert.deepEqual([4, 5, 6, 7, 8].map((c) => s1.store.lookup(c) !== undefined), [false, true, true, true, false], 'ulvm finds the kernel’s exceptions');
  assert.equal(sha(await readAll(new SnapshotTarget(s1.origin, s1.store))), sha(before), 'ulvm reads the kernel’s snapshot');
  assert.equal(pct(s1.store.percent()).text, kLvs1.get('snap')![1], 'Data% as the kernel counts it');

  // ulvm writes through the origin with both snapshots active: 5 MiB of new data is 1,280 new
  // exceptions in snap (five metadata areas) and overflows the 4 MiB snapshot "small".
  const s2 = await openSnapshot(disk, 'small');
  const origin = new OriginTarget(s1.origin, () => [s1.store, s2.store]);
  const fresh = pattern('new', 5 * MiB);
  await origin.write(8 * MiB, fresh);
  assert.equal(s2.store.invalid, true, 'ulvm invalidated the overflowing snapshot');
  const snap = new SnapshotTarget(s1.origin, s1.store);
  await snap.write(16 * MiB + 100, Buffer.from('written through the snapshot'));
  await origin.flush();
  const expectSnap = sha(await readAll(snap));
  const expectOrigin = sha(await readAll(origin));
  const expectPct = pct(s1.store.percent()).text;
  assert.equal(s1.store.usage().metadata, (2 + 5) * 8, 'the exception table spans several areas');
  await s1.close();
  await s2.close();

  // Boot 2: the kernel loads ulvm's exception tables.
  const k2 = guestfish([
    `add-drive-opts ${disk} format:raw readonly:true`,
    'run',
    'vg-activate-all true',
    'checksum-device sha256 /dev/vgk/snap',
    'checksum-device sha256 /dev/vgk/lvol0',
    'debug sh "lvm lvs --noheadings -o lv_name,lv_attr,snap_percent vgk 2>/dev/null"',
  ]);
  assert.equal(k2[0], expectSnap, 'the kernel reads the snapshot ulvm extended, including a write to the snapshot');
  assert.equal(k2[1], expectOrigin);
  const kLvs2 = new Map(k2.slice(2).map((l) => l.trim().split(/\s+/)).map((f) => [f[0]!, f.slice(1)]));
  assert.deepEqual(kLvs2.get('snap'), ['swi-a-s---', expectPct], 'the kernel counts ulvm’s exceptions the same');
  assert.equal(kLvs2.get('small')![0], 'swi-I-s---', 'the kernel sees the snapshot ulvm invalidated as invalid');
});

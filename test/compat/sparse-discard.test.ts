// PV images stay sparse: discards and zero writes reaching an LV punch holes in its PV image, and
// the holes show in NBD's base:allocation. Through NBD with the real clients (qemu-io's discard
// and write -z, nbdinfo --map, nbdcopy both ways), and through the FUSE device tree with the
// real kernel's users (fallocate(1), mkfs.ext4, fstrim on a loop mount); and on a block device PV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { AsyncFileDevice } from '../../src/devices/async.ts';
import { partitionsOf } from '../../src/devices/partition.ts';
import { scanDevices } from '../../src/metadata/scan.ts';
import { mapLvRange } from '../../src/mapper/extent-map.ts';
import { openLv } from '../../src/mapper/open-lv.ts';
import { NbdServer } from '../../src/nbd/server.ts';

const exec = promisify(execFile);
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** Bytes the file holds on disk (stat -c %b × 512). */
const allocated = (path: string) => statSync(path).blocks * 512;
const mib = (n: number) => `${(n / MiB).toFixed(3)} MiB`;

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** `nbdinfo --map` as [offset, length, type description] rows. */
async function nbdMap(uri: string): Promise<[number, number, string][]> {
  const { stdout } = await exec('nbdinfo', ['--map', uri]);
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map((f) => [Number(f[0]), Number(f[1]), f.slice(3).join(' ')]);
}

test('NBD: trim and write-zeroes punch the PV image, base:allocation reports its holes, nbdcopy keeps images sparse', async (t) => {
  const missing = ['nbdinfo', 'nbdcopy', 'qemu-io', 'mkfs.ext4', 'sfdisk'].filter((c) => !have(c));
  if (missing.length) return t.skip(`not installed: ${missing.join(', ')} (Debian: libnbd-bin, qemu-utils, e2fsprogs, fdisk)`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-sparse-nbd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disk = sparseFile(join(dir, 'd1.img'), 1024 * MiB);
  // A GPT disk whose first partition is a PV: punches must stay inside it.
  const gpt = sparseFile(join(dir, 'gpt.img'), 64 * MiB);
  writeFileSync(join(dir, 'gpt.sfdisk'), 'label: gpt\n,20MiB\n,20MiB\n');
  assert.equal(spawnSync('sh', ['-c', `sfdisk -q ${gpt} < ${join(dir, 'gpt.sfdisk')}`]).status, 0);
  const part = `${gpt}:p1`;
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const devices = [disk, part];
  for (const args of [['pvcreate', disk, part], ['vgcreate', 'vgs', disk], ['vgcreate', 'vgp', part], ['lvcreate', '-Zn', '-L', '700M', '-n', 'big', 'vgs'], ['lvcreate', '-L', '16M', '-n', 'nb', 'vgs'], ['lvcreate', '-l', '100%FREE', '-n', 'inp', 'vgp']]) {
    const io = new BufferIo();
    assert.equal(await runCommand(args[0]!, [...args.slice(1), '--devices', devices.join(',')], { io, env, uid: 0, cwd: dir, opener: fileOpener }), 0, io.stderr);
  }
  const scanned = scanDevices(fileOpener, devices);
  const opened = await Promise.all([openLv(scanned.get('vgs')!, 'big'), openLv(scanned.get('vgs')!, 'nb'), openLv(scanned.get('vgp')!, 'inp')]);
  const server = new NbdServer();
  for (const [name, o] of [['vgs/big', opened[0]], ['vgs/nb', opened[1]], ['vgp/inp', opened[2]]] as const) server.add({ name, target: o.device, readOnly: false });
  const sock = join(dir, 'nbd.sock');
  await server.listen({ path: sock });
  t.after(async () => {
    await server.close();
    await Promise.all(opened.map((o) => o.close()));
  });
  const uri = (name: string) => `nbd+unix:///${name}?socket=${sock}`;
  const qemuIo = async (name: string, ...cmds: string[]) => (await exec('qemu-io', ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), uri(name)])).stdout;
  const bigSize = 700 * MiB;

  // The neighbour LV's data must survive everything done to `big`.
  const nbData = randomBytes(16 * MiB);
  writeFileSync(join(dir, 'nb.raw'), nbData);
  await exec('nbdcopy', [join(dir, 'nb.raw'), uri('vgs/nb')]);

  await t.test('nbdinfo --map: an empty LV is a hole, written data is data', async () => {
    assert.deepEqual(await nbdMap(uri('vgs/big')), [[0, bigSize, 'hole,zero']]);
    await qemuIo('vgs/big', 'write -P 0x5a 0 4M');
    assert.deepEqual(await nbdMap(uri('vgs/big')), [[0, 4 * MiB, 'data'], [4 * MiB, bigSize - 4 * MiB, 'hole,zero']]);
  });

  await t.test('TRIM punches: the image gives the space back, the range reads zeros, the rest is kept', async () => {
    const before = allocated(disk);
    await qemuIo('vgs/big', 'discard 1M 2M');
    assert.ok(allocated(disk) <= before - 2 * MiB, `allocated ${mib(before)} -> ${mib(allocated(disk))}`);
    const out = await qemuIo('vgs/big', 'read -P 0x5a 0 1M', 'read -P 0 1M 2M', 'read -P 0x5a 3M 1M');
    assert.doesNotMatch(out, /Pattern verification failed/);
    assert.deepEqual((await nbdMap(uri('vgs/big'))).slice(0, 3), [[0, MiB, 'data'], [MiB, 2 * MiB, 'hole,zero'], [3 * MiB, MiB, 'data']]);
  });

  await t.test('WRITE_ZEROES punches unless NO_HOLE; NO_HOLE writes zeros that stay allocated', async () => {
    await qemuIo('vgs/big', 'write -P 0x77 8M 4M');
    const before = allocated(disk);
    await qemuIo('vgs/big', 'write -z 8M 1M'); // qemu sets NO_HOLE without -u
    assert.equal(allocated(disk), before, 'NO_HOLE: still allocated');
    await qemuIo('vgs/big', 'write -z -u 10M 2M'); // may unmap: no NO_HOLE
    assert.ok(allocated(disk) <= before - 2 * MiB, `may-trim zeroes punched: ${mib(before)} -> ${mib(allocated(disk))}`);
    const out = await qemuIo('vgs/big', 'read -P 0 8M 1M', 'read -P 0x77 9M 1M', 'read -P 0 10M 2M');
    assert.doesNotMatch(out, /Pattern verification failed/);
  });

  await t.test('nbdcopy of a mostly empty 600M ext4 image into the LV leaves the PV sparse, and out again', async () => {
    // Fill the LV first, so that its holes can only come from zero requests punching.
    const fill = join(dir, 'fill.raw');
    writeFileSync(fill, randomBytes(600 * MiB));
    await exec('nbdcopy', [fill, uri('vgs/big')]);
    rmSync(fill);
    const full = allocated(disk);
    assert.ok(full >= 600 * MiB);
    const src = sparseFile(join(dir, 'fs.img'), 600 * MiB);
    await exec('mkfs.ext4', ['-q', '-F', src]);
    const fd = openSync(src, 'r+');
    writeSync(fd, randomBytes(8 * MiB), 0, 8 * MiB, 300 * MiB); // some data in the middle
    closeSync(fd);
    await exec('nbdcopy', [src, uri('vgs/big')]);
    const after = allocated(disk);
    assert.ok(after <= allocated(src) + 40 * MiB, `PV image holds ${mib(after)} after the copy (source holds ${mib(allocated(src))}, was ${mib(full)})`);
    const out = join(dir, 'out.raw');
    await exec('nbdcopy', [uri('vgs/big'), out]);
    assert.equal(sha(readAt(out, 0, 600 * MiB)), sha(readFileSync(src)), 'the copy out is the image');
    assert.ok(allocated(out) <= allocated(src) + 40 * MiB, `copied out: ${mib(allocated(out))} on disk`);
    await exec('e2fsck', ['-fn', src]);
  });

  await t.test('the neighbour LV is untouched', async () => {
    await exec('nbdcopy', [uri('vgs/nb'), join(dir, 'nb.out')]);
    assert.equal(sha(readFileSync(join(dir, 'nb.out'))), sha(nbData));
    // And on the image where the metadata places it.
    const f = scanDevices(fileOpener, [disk]).get('vgs')!;
    const p = mapLvRange(f.vg, f.vg.lvs.find((l) => l.name === 'nb')!, 0, 16 * MiB)[0]!;
    assert.equal(sha(readAt(disk, p.offset, p.length)), sha(nbData));
  });

  await t.test('a PV on a partition: a trim of the whole LV punches inside the partition only', async () => {
    const [p1, p2] = partitionsOf(fileOpener.open(gpt, false))!;
    const size = opened[2]!.device.size;
    writeFileSync(join(dir, 'inp.raw'), randomBytes(size));
    await exec('nbdcopy', [join(dir, 'inp.raw'), uri('vgp/inp')]);
    // Data past the partition's end: the second partition and the backup GPT.
    const fd = openSync(gpt, 'r+');
    writeSync(fd, randomBytes(p2!.length), 0, p2!.length, p2!.offset);
    closeSync(fd);
    const tailFrom = p1!.offset + p1!.length;
    const tail = sha(readAt(gpt, tailFrom, 64 * MiB - tailFrom));
    const head = sha(readAt(gpt, 0, p1!.offset + 1024 * 1024)); // GPT, then the PV label and metadata
    const before = allocated(gpt);
    await qemuIo('vgp/inp', `discard 0 ${size}`);
    assert.ok(allocated(gpt) <= before - size + 64 * 1024, `partition image: ${mib(before)} -> ${mib(allocated(gpt))}`);
    assert.equal(sha(readAt(gpt, tailFrom, 64 * MiB - tailFrom)), tail, 'nothing after the partition changed');
    assert.equal(sha(readAt(gpt, 0, p1!.offset + 1024 * 1024)), head, 'the GPT and the PV header are kept');
    assert.match(await qemuIo('vgp/inp', `read -P 0 0 ${size}`), new RegExp(`read ${size}/${size} bytes`));
    // The device refuses a range past the partition, whatever a table would ask.
    const dev = await AsyncFileDevice.open(part, true);
    try {
      await assert.rejects(dev.discard(p1!.length - 4096, 8192), RangeError);
      await assert.rejects(dev.writeZeroes(p1!.length, 4096), RangeError);
    } finally {
      await dev.close();
    }
    assert.equal(sha(readAt(gpt, tailFrom, 64 * MiB - tailFrom)), tail);
  });
});

test('FUSE device tree: fallocate(1), mkfs.ext4 and fstrim on a loop mount keep the PV image sparse', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (FUSE mount and loop devices)');
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse');
  for (const c of ['mkfs.ext4', 'e2fsck', 'fstrim', 'fallocate', 'losetup', 'mount']) if (!have(c)) return t.skip(`${c} not installed`);
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-sparse-fuse-'));
  const disk = sparseFile(join(dir, 'disk.img'), 512 * MiB);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  const ulvm = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env })).stdout;
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  t.after(async () => {
    spawnSync('umount', [mnt]);
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgf', disk);
  await ulvm('lvcreate', '-L', '400M', '-n', 'fs', 'vgf');
  await ulvm('lvcreate', '-L', '16M', '-n', 'nb', 'vgf');
  const file = join(dir, 'run', 'dev', 'vgf', 'fs');
  const nbFile = join(dir, 'run', 'dev', 'vgf', 'nb');
  const nbData = randomBytes(16 * MiB);
  writeFileSync(nbFile, nbData);

  await t.test('fallocate --punch-hole frees, --zero-range keeps the blocks; both read zeros', async () => {
    const data = randomBytes(8 * MiB);
    writeFileSync(file, data, { flag: 'r+' });
    const before = allocated(disk);
    await exec('fallocate', ['-p', '-o', String(MiB), '-l', String(4 * MiB), file]);
    assert.ok(allocated(disk) <= before - 4 * MiB + 64 * 1024, `punched: ${mib(before)} -> ${mib(allocated(disk))}`);
    const punched = allocated(disk);
    await exec('fallocate', ['-z', '-o', String(6 * MiB), '-l', String(MiB), '-n', file]);
    assert.equal(allocated(disk), punched, 'zero-range keeps the blocks allocated');
    const back = readAt(file, 0, 8 * MiB);
    assert.ok(back.subarray(MiB, 5 * MiB).every((b) => b === 0));
    assert.ok(back.subarray(6 * MiB, 7 * MiB).every((b) => b === 0));
    assert.equal(sha(back.subarray(0, MiB)), sha(data.subarray(0, MiB)));
    assert.equal(sha(back.subarray(5 * MiB, 6 * MiB)), sha(data.subarray(5 * MiB, 6 * MiB)));
    assert.equal(sha(back.subarray(7 * MiB)), sha(data.subarray(7 * MiB)));
  });

  await t.test('mkfs.ext4 (it discards first) on the 400M LV leaves the image small', async () => {
    const before = allocated(disk);
    await exec('mkfs.ext4', ['-q', '-F', file]);
    const after = allocated(disk);
    t.diagnostic(`PV image: ${mib(before)} before mkfs.ext4, ${mib(after)} after`);
    assert.ok(after < 48 * MiB, `the image holds ${mib(after)} after mkfs.ext4 of a 400M LV`);
    await exec('e2fsck', ['-fn', file]);
  });

  await t.test('fstrim on the mounted ext4 (loop device over the LV file) gives a deleted file back', async () => {
    await exec('mount', ['-o', 'loop', file, mnt]);
    const empty = allocated(disk);
    await exec('dd', ['if=/dev/urandom', `of=${join(mnt, 'big')}`, 'bs=1M', 'count=200', 'conv=fsync']);
    const full = allocated(disk);
    assert.ok(full >= empty + 190 * MiB, `the file took space: ${mib(empty)} -> ${mib(full)}`);
    rmSync(join(mnt, 'big'));
    await exec('sync', ['-f', mnt]);
    await exec('fstrim', [mnt]);
    const trimmed = allocated(disk);
    t.diagnostic(`PV image: ${mib(empty)} mounted, ${mib(full)} with a 200 MiB file, ${mib(trimmed)} after rm + fstrim`);
    assert.ok(trimmed <= empty + 16 * MiB, `fstrim gave the space back: ${mib(full)} -> ${mib(trimmed)}`);
    await exec('umount', [mnt]);
    await exec('e2fsck', ['-fn', file]);
  });

  await t.test('the neighbour LV is untouched', async () => {
    assert.equal(sha(readFileSync(nbFile)), sha(nbData));
  });
});

test('a block device as the PV (a loop device): fallocate on it reaches the backing file; its map is all data', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (loop devices)');
  if (!have('losetup') || !existsSync('/dev/loop-control')) return t.skip('no loop devices (losetup, /dev/loop-control)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-sparse-blk-'));
  const img = sparseFile(join(dir, 'backing.img'), 64 * MiB);
  let loop = '';
  t.after(() => {
    if (loop) spawnSync('losetup', ['-d', loop]);
    rmSync(dir, { recursive: true, force: true });
  });
  loop = (await exec('losetup', ['-f', '--show', img])).stdout.trim();
  const dev = await AsyncFileDevice.open(loop, true);
  try {
    const data = randomBytes(8 * MiB);
    await dev.write(0, data);
    await dev.flush();
    const full = allocated(img);
    await dev.discard(MiB, 2 * MiB);
    await dev.writeZeroes(4 * MiB, 2 * MiB);
    await dev.writeZeroes(6 * MiB, MiB, true);
    t.diagnostic(`backing file: ${mib(full)} written, ${mib(allocated(img))} after a 2 MiB discard and a 2 MiB write-zeroes`);
    assert.ok(allocated(img) <= full - 4 * MiB + 64 * 1024, `${mib(full)} -> ${mib(allocated(img))}`);
    const back = await dev.read(0, 8 * MiB);
    for (const [from, to] of [[MiB, 3 * MiB], [4 * MiB, 7 * MiB]] as const) assert.ok(back.subarray(from, to).every((b) => b === 0), `zeros at ${from}`);
    for (const [from, to] of [[0, MiB], [3 * MiB, 4 * MiB], [7 * MiB, 8 * MiB]] as const) assert.equal(sha(back.subarray(from, to)), sha(data.subarray(from, to)), `data at ${from}`);
    assert.deepEqual(await dev.allocation(0, 16 * MiB), [{ length: 16 * MiB, hole: false }]);
  } finally {
    await dev.close();
  }
});

// Instant restore against the real NBD clients: a backup held in a fake repository is served
// read-only and with an overlay, and nbdinfo, nbdcopy, qemu-img, qemu-io, e2fsck (through
// nbdcopy, and through nbdfuse for the repair) see exactly the backed-up image; writes land
// in the overlay only; sequential throughput is measured against reading the chunks directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serveBackup, type BackupMount } from '../../src/backup/mount.ts';
import { FakeChunkSource, backupOf } from '../helpers/fake-chunks.ts';

const run = promisify(execFile);
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const MiB = 1024 * 1024;
const opts = { timeout: 120_000, maxBuffer: 64 * MiB };

/** rc and output of a command that may fail. */
async function rc(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await run(cmd, args, opts);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: `${x.stdout ?? ''}${x.stderr ?? ''}` };
  }
}

/** 20 MiB and three blocks: random data, chunks 2-4 and 9 zero, a zero run not chunk-aligned. */
function reference(): Uint8Array {
  const img = new Uint8Array(20 * MiB + 3 * 4096);
  img.set(randomBytes(img.length));
  img.fill(0, 2 * MiB, 5 * MiB);
  img.fill(0, 9 * MiB, 10 * MiB);
  img.fill(0, 12 * MiB + 777, 13 * MiB - 5);
  return img;
}

test('a backup served over NBD to nbdinfo, nbdcopy, qemu-img and qemu-io', async (t) => {
  const missing = ['nbdinfo', 'nbdcopy', 'qemu-img', 'qemu-io'].filter((c) => !have(c));
  if (missing.length) return t.skip(`not installed: ${missing.join(', ')} (Debian: libnbd-bin, qemu-utils)`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-bmount-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = reference();
  const refPath = join(dir, 'ref.img');
  writeFileSync(refPath, img);
  const src = new FakeChunkSource();
  const vol = backupOf(img, MiB, src);
  const pristine = new Map([...src.chunks].map(([k, v]) => [k, Buffer.from(v)]));
  const volumes = [{ name: 'vg0/data', volume: vol }];
  const ro = await serveBackup({ volumes, source: src, socket: join(dir, 'ro.sock'), readOnly: true });
  const ovDir = join(dir, 'overlays');
  let rw: BackupMount | undefined = await serveBackup({ volumes, source: src, socket: join(dir, 'rw.sock'), overlayDir: ovDir, readOnly: false });
  const tcp = await serveBackup({ volumes, source: src, tcp: { host: '127.0.0.1', port: 0 }, readOnly: true });
  t.after(async () => {
    await ro.close();
    await rw?.close();
    await tcp.close();
  });
  const roUri = ro.uri('vg0/data');
  const distinct = new Set(vol.chunks.filter((c) => c !== null)).size;

  await t.test('nbdinfo: size, read-only, and zero chunks as holes in the map; TCP too', async () => {
    const info = JSON.parse((await run('nbdinfo', ['--json', roUri], opts)).stdout) as { exports: { 'export-name': string; 'export-size': number; is_read_only: boolean; description: string }[] };
    const e = info.exports[0]!;
    assert.equal(e['export-name'], 'vg0/data');
    assert.equal(e['export-size'], img.length);
    assert.equal(e.is_read_only, true);
    assert.match(e.description, /backup of vg0\/data/);
    const rwInfo = JSON.parse((await run('nbdinfo', ['--json', rw!.uri('vg0/data')], opts)).stdout) as { exports: { is_read_only: boolean; can_trim: boolean; can_zero: boolean }[] };
    assert.deepEqual([rwInfo.exports[0]!.is_read_only, rwInfo.exports[0]!.can_trim, rwInfo.exports[0]!.can_zero], [false, true, true]);
    const map = (await run('nbdinfo', ['--map', roUri], opts)).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    const rows = map.map((f) => [Number(f[0]), Number(f[1]), Number(f[2])]);
    assert.deepEqual(rows, [
      [0, 2 * MiB, 0],
      [2 * MiB, 3 * MiB, 3],
      [5 * MiB, 4 * MiB, 0],
      [9 * MiB, MiB, 3],
      [10 * MiB, img.length - 10 * MiB, 0],
    ]);
    assert.match(tcp.address, /^127\.0\.0\.1:\d+$/);
    const viaTcp = JSON.parse((await run('nbdinfo', ['--json', tcp.uri('vg0/data')], opts)).stdout) as { exports: { 'export-size': number }[] };
    assert.equal(viaTcp.exports[0]!['export-size'], img.length);
  });

  await t.test('nbdcopy of the export equals the image, and fetches only the non-zero chunks', async () => {
    const before = src.fetchCount;
    const zerosBefore = ro.stats.zeroBytesServed;
    const out = join(dir, 'copy.img');
    await run('nbdcopy', [roUri, out], opts);
    assert.ok(readFileSync(out).equals(Buffer.from(img)), 'byte for byte');
    // Every fetch is of a stored chunk (none for the zero chunks: the fake has none to give).
    assert.ok(src.fetchCount - before <= distinct, `${src.fetchCount - before} fetches for ${distinct} chunks`);
    // nbdcopy asked for block status and skipped the holes: it read no zero chunk at all.
    assert.equal(ro.stats.zeroBytesServed - zerosBefore, 0);
  });

  await t.test('qemu-img compare: identical to the image, and a changed image is told apart', async () => {
    const same = await rc('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', refPath, roUri]);
    assert.equal(same.code, 0, same.out);
    assert.match(same.out, /Images are identical/);
    const changed = Buffer.from(img);
    changed[15 * MiB + 12345]! ^= 1;
    writeFileSync(join(dir, 'changed.img'), changed);
    const diff = await rc('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', join(dir, 'changed.img'), roUri]);
    assert.equal(diff.code, 1, diff.out);
    // qemu-img names the start of the block holding the changed byte.
    const at = Number(/Content mismatch at offset (\d+)/.exec(diff.out)?.[1] ?? NaN);
    assert.ok(at <= 15 * MiB + 12345 && at > 15 * MiB + 12345 - 65536, diff.out);
  });

  await t.test('qemu-io: a write to the read-only mount fails; on the overlay it lands, reads back, and survives a re-mount', async () => {
    const refused = await rc('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 1000 70000', roUri]);
    assert.notEqual(refused.code, 0, refused.out);
    assert.match(refused.out, /Permission denied|read-only/i);
    const rwUri = rw!.uri('vg0/data');
    const w = await rc('qemu-io', ['-f', 'raw', '-c', 'write -P 0xab 1000 70000', '-c', 'write -z 3M 64k', '-c', 'write -P 0x5c 9M 8k', '-c', 'read -P 0xab 1000 70000', '-c', 'flush', rwUri]);
    assert.equal(w.code, 0, w.out);
    assert.doesNotMatch(w.out, /Pattern verification failed/);
    const model = Buffer.from(img);
    model.fill(0xab, 1000, 71000);
    model.fill(0, 3 * MiB, 3 * MiB + 64 * 1024);
    model.fill(0x5c, 9 * MiB, 9 * MiB + 8192);
    const check = async (what: string) => {
      const out = join(dir, 'ov.img');
      await run('nbdcopy', [rw!.uri('vg0/data'), out], opts);
      assert.ok(readFileSync(out).equals(model), what);
    };
    await check('the overlay export after the writes');
    // A bad pattern is noticed (the check above could fail).
    const bad = await rc('qemu-io', ['-f', 'raw', '-c', 'read -P 0xac 1000 70000', rwUri]);
    assert.match(bad.out, /Pattern verification failed/);
    await rw!.close();
    rw = undefined;
    rw = await serveBackup({ volumes, source: src, socket: join(dir, 'rw.sock'), overlayDir: ovDir, readOnly: false });
    await check('after a re-mount with the same overlay');
    // The backup did not change: the read-only export and the chunks are as before.
    const same = await rc('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', refPath, roUri]);
    assert.equal(same.code, 0, same.out);
    for (const [id, c] of src.chunks) assert.ok(pristine.get(id)!.equals(c), `chunk ${id} unchanged`);
  });
});

test('an ext4 file system served from a backup: e2fsck reads it clean, and repairs a copy on an overlay', async (t) => {
  const missing = ['nbdcopy', 'mke2fs', 'e2fsck', 'debugfs'].filter((c) => !have(c));
  if (missing.length) return t.skip(`not installed: ${missing.join(', ')} (Debian: libnbd-bin, e2fsprogs)`);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-bmount-fs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'db', 'base'), { recursive: true });
  const big = randomBytes(3 * MiB + 5);
  writeFileSync(join(tree, 'db', 'base', 'big.bin'), big);
  writeFileSync(join(tree, 'hello.txt'), 'hello from the backup\n');
  for (let i = 0; i < 50; i++) writeFileSync(join(tree, 'db', `t${i}`), randomBytes(1000 + i * 97));
  const fsImg = join(dir, 'fs.img');
  await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-b', '4096', '-d', tree, fsImg, '64M'], opts);
  // A second image with a fault e2fsck must fix: a wrong link count.
  const badImg = join(dir, 'bad.img');
  writeFileSync(badImg, readFileSync(fsImg));
  await run('debugfs', ['-w', '-R', 'sif /hello.txt links_count 7', badImg], opts);

  const src = new FakeChunkSource();
  const good = backupOf(readFileSync(fsImg), MiB, src, { vg: 'vg0', lv: 'fs' });
  const bad = backupOf(readFileSync(badImg), MiB, src, { vg: 'vg0', lv: 'bad' });
  assert.ok(good.chunks.some((c) => c === null), 'a fresh file system has zero chunks');
  const volumes = [
    { name: 'vg0/fs', volume: good },
    { name: 'vg0/bad', volume: bad },
  ];
  const ro = await serveBackup({ volumes, source: src, socket: join(dir, 'ro.sock'), readOnly: true });
  const rw = await serveBackup({ volumes, source: src, socket: join(dir, 'rw.sock'), overlayDir: join(dir, 'ov'), readOnly: false });
  t.after(async () => {
    await ro.close();
    await rw.close();
  });
  const copy = async (m: BackupMount, name: string) => {
    const out = join(dir, `${name.replace('/', '-')}.copy`);
    rmSync(out, { force: true });
    await run('nbdcopy', [m.uri(name), out], opts);
    return out;
  };

  await t.test('e2fsck -fn is clean on the backup read through nbdcopy; the files read back', async () => {
    const out = await copy(ro, 'vg0/fs');
    assert.ok(readFileSync(out).equals(readFileSync(fsImg)));
    const fsck = await rc('e2fsck', ['-fn', out]);
    assert.equal(fsck.code, 0, fsck.out);
    const cat = await run('debugfs', ['-R', 'cat /db/base/big.bin', out], { ...opts, encoding: 'buffer' });
    assert.ok(Buffer.from(cat.stdout).equals(big), 'big.bin as written');
    // The faulty one is seen as faulty (so the check is not blind).
    const faulty = await rc('e2fsck', ['-fn', await copy(ro, 'vg0/bad')]);
    assert.equal(faulty.code, 4, faulty.out);
  });

  await t.test('e2fsck -fy repairs the file system on the overlay mount; the backup keeps its fault', async (tt) => {
    const fuse = have('nbdfuse') && have('fusermount3') && existsSync('/dev/fuse') && process.getuid?.() === 0;
    if (fuse) {
      // In place, through the kernel: nbdfuse shows the export as a file e2fsck opens.
      const mnt = join(dir, 'fuse');
      mkdirSync(mnt);
      const child = spawn('nbdfuse', [mnt, rw.uri('vg0/bad')], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        for (let i = 0; i < 100 && !existsSync(join(mnt, 'nbd')); i++) await new Promise((r) => setTimeout(r, 100));
        const fix = await rc('e2fsck', ['-fy', join(mnt, 'nbd')]);
        assert.equal(fix.code, 1, fix.out);
        assert.match(fix.out, /Inode \d+ ref count is 7, should be 1/);
      } finally {
        spawnSync('fusermount3', ['-u', mnt]);
        await exited;
      }
    } else {
      tt.diagnostic('nbdfuse or /dev/fuse not available: repairing through an nbdcopy round trip');
      const work = await copy(rw, 'vg0/bad');
      const fix = await rc('e2fsck', ['-fy', work]);
      assert.equal(fix.code, 1, fix.out);
      await run('nbdcopy', [work, rw.uri('vg0/bad')], opts);
    }
    const after = await rc('e2fsck', ['-fn', await copy(rw, 'vg0/bad')]);
    assert.equal(after.code, 0, after.out);
    assert.ok(rw.stats.overlayBlocksWritten > 0);
    const still = await rc('e2fsck', ['-fn', await copy(ro, 'vg0/bad')]);
    assert.equal(still.code, 4, 'the backup itself still has the fault');
  });
});

test('sequential read throughput through nbdcopy against reading the chunks directly', async (t) => {
  if (!have('nbdcopy')) return t.skip('not installed: nbdcopy (Debian: libnbd-bin)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-bmount-tp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const size = 128 * MiB;
  const img = randomBytes(size);
  const src = new FakeChunkSource();
  const vol = backupOf(img, 4 * MiB, src);
  let t0 = process.hrtime.bigint();
  for (const id of vol.chunks) await src.readChunk(id!);
  const directS = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = await serveBackup({ volumes: [{ name: 'vg0/big', volume: vol }], source: src, socket: join(dir, 'b.sock'), readOnly: true });
  t.after(() => m.close());
  t0 = process.hrtime.bigint();
  await run('nbdcopy', [m.uri('vg0/big'), 'null:'], opts);
  const nbdS = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = (s: number) => `${(size / MiB / s).toFixed(0)} MiB/s`;
  t.diagnostic(`direct chunk reads: ${rate(directS)}; nbdcopy of the export: ${rate(nbdS)}; chunks fetched ${m.stats.chunksFetched} (${m.stats.readAheadFetches} ahead), cache hits ${m.stats.cacheHits}, shared ${m.stats.sharedFetches}, peak cache ${m.stats.cachePeakBytes / MiB} MiB`);
  // A repository that takes 20 ms per 4 MiB chunk (about 200 MiB/s read one at a time): the
  // read-ahead and nbdcopy's parallel requests overlap fetches.
  src.delayMs = 20;
  t0 = process.hrtime.bigint();
  for (const id of vol.chunks) await src.readChunk(id!);
  const slowDirectS = Number(process.hrtime.bigint() - t0) / 1e9;
  const slow = await serveBackup({ volumes: [{ name: 'vg0/big', volume: vol }], source: src, socket: join(dir, 's.sock'), readOnly: true });
  t.after(() => slow.close());
  t0 = process.hrtime.bigint();
  await run('nbdcopy', [slow.uri('vg0/big'), 'null:'], opts);
  const slowNbdS = Number(process.hrtime.bigint() - t0) / 1e9;
  t.diagnostic(`with 20 ms per chunk: direct chunk reads one at a time: ${rate(slowDirectS)}; nbdcopy of the export: ${rate(slowNbdS)} (most fetches at once: ${src.maxRunning})`);
  // Each chunk fetched about once: the cache and read-ahead keep nbdcopy's parallel readers from refetching.
  assert.ok(m.stats.chunksFetched <= vol.chunks.length * 1.25, `${m.stats.chunksFetched} fetches of ${vol.chunks.length} chunks`);
  assert.ok(m.stats.cachePeakBytes <= 64 * MiB);
});

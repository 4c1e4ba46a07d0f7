// Change tracking through the activation daemon: the thin delta between two thin snapshots asked
// of the daemon equals the in-process one and thin_delta's; a plain LV's change map set by writes
// through NBD and through the FUSE device tree has exactly their regions; after kill -9 in the
// middle of a write loop the restarted daemon's map holds every acknowledged write's region; and
// the NBD client reads what the LV holds (and talks to nbdkit too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';
import { lvImage } from '../helpers/thin-meta.ts';
import { fileOpener } from '../../src/devices/file.ts';
import { Session } from '../../src/api/session.ts';
import { DaemonClient } from '../../src/daemon/client.ts';
import { NbdClient } from '../../src/nbd/client.ts';
import { fileReader, nbdReader } from '../../src/backup/readers.ts';
import { thinChanges } from '../../src/backup/track/thin.ts';
import { changeMapChanges } from '../../src/backup/track/change-map.ts';
import type { RotatedChangeMap } from '../../src/mapper/change-map.ts';
import { seededRandom } from '../../src/backup/audit.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;
const MiB = 1024 * 1024;

function regions(r: RotatedChangeMap): number[] {
  const b = Buffer.from(r.bitmap, 'base64');
  const out: number[] = [];
  for (let i = 0; i < b.length * 8; i++) if (b[i >> 3]! & (1 << (i & 7))) out.push(i);
  return out;
}

test('change tracking through the daemon: thin delta, change maps over NBD and FUSE, kill -9', { timeout: 240_000 }, async (t) => {
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-track-'));
  const disk = join(dir, 'a.img');
  sparseFile(disk, 256 * MiB);
  const runDir = join(dir, 'run');
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: runDir, TZ: 'UTC' };
  const ulvm = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { env })).stdout;
  t.after(async () => {
    await exec(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env }).catch(() => undefined);
    spawnSync('umount', ['-l', join(runDir, 'dev')]);
    rmSync(dir, { recursive: true, force: true });
  });
  const sock = join(runDir, 'nbd.sock');
  const daemonSession = () => new Session({ systemDir: env.ULVM_SYSTEM_DIR, runDir, devices: [disk], activation: new DaemonClient(runDir, [process.execPath, BIN], env) });
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vgb', disk);

  await t.test('thin delta: daemon = in-process = thin_delta', async () => {
    await ulvm('lvcreate', '-T', '-L', '64M', 'vgb/pool');
    await ulvm('lvcreate', '-V', '96M', '-T', 'vgb/pool', '-n', 't');
    const c = await NbdClient.connect(sock, 'vgb/t');
    await c.write(0, new Uint8Array(MiB).fill(1));
    await c.write(40 * MiB, new Uint8Array(2 * MiB).fill(2));
    await c.flush();
    await ulvm('lvcreate', '-s', '-n', 's1', 'vgb/t');
    await c.write(64 * 1024, new Uint8Array(4096).fill(3));
    await c.write(20 * MiB, new Uint8Array(300 * 1024).fill(4));
    await c.trim(40 * MiB, 2 * MiB);
    await c.write(96 * MiB - 4096, new Uint8Array(4096).fill(5));
    await c.flush();
    await c.close();
    await ulvm('lvcreate', '-s', '-n', 's2', 'vgb/t');
    const s = daemonSession();
    const viaDaemon = await s.changedBlocks('vgb', 's1', 's2');
    const kinds = new Set(viaDaemon.ranges.map((r) => r.kind));
    assert.deepEqual([...kinds].sort(), ['different', 'left_only', 'right_only'], JSON.stringify(viaDaemon));
    const tracked = await thinChanges(s, 'vgb', 's1', 's2');
    assert.equal(tracked.tracker, 'thin-delta');
    assert.deepEqual(tracked.ranges, viaDaemon.ranges.map((r) => ({ offset: r.offset, length: r.length })));
    // thin_delta and the in-process engine read the pool's metadata with the daemon gone.
    const ids = Object.fromEntries(
      (await ulvm('lvs', '--noheadings', '-o', 'lv_name,thin_id', 'vgb'))
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((x) => x.length === 2),
    );
    await ulvm('daemon', 'stop', '--force');
    if (have('thin_delta')) {
      const meta = join(dir, 'tmeta');
      writeFileSync(meta, lvImage(fileOpener, [disk], 'vgb', 'pool_tmeta'));
      const r = spawnSync('thin_delta', ['--snap1', ids.s1!, '--snap2', ids.s2!, meta], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const bs = Number(/data_block_size="(\d+)"/.exec(r.stdout)![1]) * 512;
      const theirs = [...r.stdout.matchAll(/<(different|left_only|right_only) begin="(\d+)" length="(\d+)"\/>/g)].map((m) => ({ kind: m[1], offset: Number(m[2]) * bs, length: Number(m[3]) * bs }));
      assert.deepEqual(viaDaemon.ranges, theirs);
    } else t.diagnostic('thin_delta not installed: compared with the in-process delta only');
    const local = new Session({ systemDir: env.ULVM_SYSTEM_DIR, runDir, devices: [disk], activation: 'in-process' });
    try {
      assert.deepEqual(await local.changedBlocks('vgb', 's1', 's2'), viaDaemon);
    } finally {
      await local.close();
    }
    await ulvm('daemon', 'start');
  });

  await t.test('change map: writes through NBD and FUSE set exactly their regions; the NBD client reads the LV', async () => {
    await ulvm('lvcreate', '-L', '128M', '-n', 'plain', 'vgb');
    const s = daemonSession();
    assert.deepEqual(await s.enableChangeMap('vgb', 'plain'), { generation: 1, regionSize: MiB });
    assert.equal((await s.rotateChangeMap('vgb', 'plain')).all, true);
    const c = await NbdClient.connect(sock, 'vgb/plain');
    assert.equal(c.size, 128 * MiB);
    await c.write(3 * MiB + 5, new Uint8Array(100).fill(7));
    await c.write(10 * MiB - 512, new Uint8Array(1024).fill(8));
    await c.trim(30 * MiB, MiB);
    await c.read(50 * MiB, 4096);
    const tree = join(runDir, 'dev', 'vgb', 'plain');
    let want = [3, 9, 10, 30];
    if (existsSync(tree)) {
      const fd = openSync(tree, 'r+');
      writeSync(fd, new Uint8Array(4096).fill(9), 0, 4096, 44 * MiB);
      fsyncSync(fd);
      closeSync(fd);
      want = [3, 9, 10, 30, 44];
    } else t.diagnostic('no FUSE device tree: NBD writes only');
    const r = await s.rotateChangeMap('vgb', 'plain');
    assert.equal(r.generation, 2);
    assert.equal(r.all, false);
    assert.deepEqual(regions(r), want);
    assert.deepEqual(changeMapChanges(r, 1, 128 * MiB).ranges, [
      { offset: 3 * MiB, length: MiB },
      { offset: 9 * MiB, length: 2 * MiB },
      { offset: 30 * MiB, length: MiB },
      ...(want.includes(44) ? [{ offset: 44 * MiB, length: MiB }] : []),
    ]);
    // What the NBD client reads is what the tree file and the PV hold.
    await assert.rejects(NbdClient.connect(sock, 'vgb/nope'), /NBD export vgb\/nope: unknown export/);
    const viaNbd = await nbdReader(sock, 'vgb/plain');
    const all = await viaNbd.read(0, viaNbd.size);
    assert.equal(all[3 * MiB + 5], 7);
    assert.equal(all[10 * MiB], 8);
    if (existsSync(tree)) {
      const f = await fileReader(tree);
      assert.equal(f.size, 128 * MiB);
      assert.ok(Buffer.from(await f.read(0, f.size)).equals(Buffer.from(all)));
      await f.close();
    }
    await viaNbd.close();
    await c.close();
  });

  await t.test('change map: after kill -9 mid-write loop, every acknowledged write is in the map', async () => {
    const s = daemonSession();
    await s.rotateChangeMap('vgb', 'plain');
    const acked = new Set<number>();
    const c = await NbdClient.connect(sock, 'vgb/plain');
    const rnd = seededRandom(5);
    let dead = false;
    const writer = async () => {
      while (!dead) {
        const region = Math.floor(rnd() * 128);
        try {
          await c.write(region * MiB + Math.floor(rnd() * 1000) * 512, new Uint8Array(64 * 1024).fill(region));
          acked.add(region);
        } catch {
          return;
        }
      }
    };
    const writers = [writer(), writer(), writer(), writer()];
    await new Promise((r) => setTimeout(r, 60));
    const pid = parseInt(readFileSync(join(runDir, 'daemon.pid'), 'utf8'), 10);
    process.kill(pid, 'SIGKILL');
    dead = true;
    await Promise.all(writers);
    for (let i = 0; i < 50 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(acked.size > 3, `only ${acked.size} regions acknowledged`);
    spawnSync('umount', ['-l', join(runDir, 'dev')]);
    await ulvm('daemon', 'start');
    const r = await daemonSession().rotateChangeMap('vgb', 'plain');
    assert.equal(r.all, false, r.note);
    const got = new Set(regions(r));
    assert.deepEqual([...acked].filter((x) => !got.has(x)), [], 'acknowledged writes missing from the map');
    assert.ok(got.size < 128, 'the map is not simply everything');
    t.diagnostic(`${acked.size} regions acknowledged before the kill, ${got.size} in the map`);
  });
});

test('the NBD client against nbdkit memory', { timeout: 60_000 }, async (t) => {
  if (!have('nbdkit') || !have('qemu-io')) return t.skip('nbdkit/qemu-io not installed');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-nbdkit-'));
  const sock = join(dir, 'sock');
  const kit = spawn('nbdkit', ['-f', '-U', sock, 'memory', '8M'], { stdio: 'ignore' });
  t.after(() => {
    kit.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
  await exec('qemu-io', ['-f', 'raw', '-c', 'write -P 0x3c 1M 64k', `nbd+unix:///?socket=${sock}`]);
  const c = await NbdClient.connect(sock, '');
  assert.equal(c.size, 8 * MiB);
  const got = await c.read(MiB - 4096, 72 * 1024);
  assert.ok(got.subarray(0, 4096).every((b) => b === 0));
  assert.ok(got.subarray(4096, 4096 + 64 * 1024).every((b) => b === 0x3c));
  assert.ok(got.subarray(4096 + 64 * 1024).every((b) => b === 0));
  await c.write(5 * MiB, new Uint8Array(8192).fill(0xa5));
  await c.flush();
  await c.close();
  const { stdout } = await exec('qemu-io', ['-f', 'raw', '-c', 'read -P 0xa5 5M 8k', `nbd+unix:///?socket=${sock}`]);
  assert.match(stdout, /read 8192\/8192 bytes/);
});

// `ulvm daemon stop` with an LV in use: refused with lvm2's vgchange -an messages, the
// filesystem on it still working; once nothing uses it the daemon deactivates, unmounts its
// device tree and exits (its process gone, no FUSE mount left, `losetup -a` answers at once).
// SIGTERM and `stop --force` stop it even in use without leaving the kernel waiting on it; after
// SIGKILL the next start clears the dead mount. Every command runs under a timeout, so a daemon
// that hangs the kernel's I/O fails the test instead of hanging it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sparseFile } from '../helpers/files.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;
const have = (c: string) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

interface Result {
  rc: number;
  stdout: string;
  stderr: string;
}

/** A command under a timeout; one killed by it has rc -1. */
async function sh(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Result> {
  try {
    const r = await exec(cmd, args, { env: opts.env ?? process.env, timeout: opts.timeout ?? 60_000 });
    return { rc: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number | string; killed?: boolean; stdout?: string; stderr?: string };
    return { rc: x.killed || typeof x.code !== 'number' ? -1 : x.code, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}

/** Exited (a zombie nobody reaped has let go of everything too). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] === 'Z';
  } catch {
    return true;
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (gone(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return gone(pid);
}

test('daemon stop: refused while an LV is in use; then stops, unmounts and exits; SIGTERM, --force and SIGKILL', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root (FUSE mount and loop devices)');
  if (!existsSync('/dev/fuse')) return t.skip('no /dev/fuse');
  for (const c of ['mkfs.ext4', 'losetup', 'mount', 'umount']) if (!have(c)) return t.skip(`${c} not installed`);
  if (!existsSync(new URL('../../dist/ulvm.cjs', import.meta.url))) return t.skip('dist/ not built (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-dstop-'));
  const disk = sparseFile(join(dir, 'disk.img'), 64 * 1024 * 1024);
  const run = join(dir, 'run');
  const tree = join(run, 'dev');
  const file = join(tree, 'vg', 'lv');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: run };
  const ulvm = (...args: string[]) => sh(process.execPath, [BIN, ...args], { env, timeout: 30_000 });
  const pids = new Set<number>();
  const loops = new Set<string>();
  const daemonPid = () => {
    const pid = parseInt(readFileSync(join(run, 'daemon.pid'), 'utf8'), 10);
    pids.add(pid);
    return pid;
  };
  const fuseMounts = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(` ${tree} `) && / - fuse/.test(l));
  t.after(() => {
    // A daemon that hangs the kernel's I/O goes first (kill -9 ends its FUSE connection).
    for (const pid of pids) if (!gone(pid)) process.kill(pid, 'SIGKILL');
    // A failed step may leave mounts stacked on mnt; the loop devices detach once unmounted.
    for (let i = 0; i < 8 && readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `); i++) spawnSync('umount', ['-l', mnt], { timeout: 10_000 });
    for (const l of loops) spawnSync('losetup', ['-d', l], { timeout: 10_000 });
    spawnSync('umount', ['-l', tree], { timeout: 10_000 });
    rmSync(dir, { recursive: true, force: true });
  });
  /** ext4 on the LV's device-tree file, mounted through a loop device set up here. */
  const mountLv = async () => {
    const lo = await sh('losetup', ['-f', '--show', file], { timeout: 10_000 });
    assert.equal(lo.rc, 0, lo.stderr);
    const loop = lo.stdout.trim();
    loops.add(loop);
    const m = await sh('mount', [loop, mnt], { timeout: 10_000 });
    assert.equal(m.rc, 0, m.stderr);
    return loop;
  };
  const unmountLv = async (loop: string) => {
    assert.equal((await sh('umount', [mnt], { timeout: 10_000 })).rc, 0);
    assert.equal((await sh('losetup', ['-d', loop], { timeout: 10_000 })).rc, 0);
    loops.delete(loop);
  };
  /** What a stopped daemon must leave: no process, no tree mount, a kernel that answers. */
  const leftNothing = async (pid: number, what: string) => {
    assert.ok(await goneWithin(pid, 5000), `${what}: the daemon process is gone`);
    assert.deepEqual(fuseMounts(), [], `${what}: no FUSE mount left`);
    const lo = await sh('losetup', ['-a'], { timeout: 5000 });
    assert.equal(lo.rc, 0, `${what}: losetup -a answers at once (${lo.stderr})`);
  };

  for (const args of [['pvcreate', disk], ['vgcreate', 'vg', disk], ['lvcreate', '-L', '20M', '-n', 'lv', 'vg']]) {
    const r = await ulvm(...args);
    assert.equal(r.rc, 0, r.stderr);
  }
  assert.equal((await sh('mkfs.ext4', ['-q', '-F', file])).rc, 0);

  await t.test('refused while a filesystem on an LV is mounted; stops once it is not', async () => {
    const pid = daemonPid();
    const loop = await mountLv();
    const r = await ulvm('daemon', 'stop');
    assert.equal(r.rc, 5);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      '  Logical volume vg/lv in use.\n' +
        `  Can't deactivate volume group "vg" with 1 open logical volume(s)\n` +
        '  ulvm daemon not stopped: unmount the filesystems, detach the loop devices (losetup -d) and disconnect the NBD clients using these logical volumes, or use "ulvm daemon stop --force" (their I/O then fails).\n',
    );
    assert.ok(!gone(pid), 'the daemon still runs');
    assert.equal(fuseMounts().length, 1, 'its tree is still mounted');
    const w = await sh('sh', ['-c', `echo more > ${mnt}/more && sync -f ${mnt}/more && cat ${mnt}/more`], { timeout: 10_000 });
    assert.equal(w.stdout, 'more\n', 'the filesystem still works');
    assert.match((await ulvm('lvs', '--noheadings', '-o', 'lv_attr', 'vg/lv')).stdout, /-wi-ao----/);

    await unmountLv(loop);
    const s = await ulvm('daemon', 'stop');
    assert.deepEqual(s, { rc: 0, stdout: '  ulvm daemon stopped\n', stderr: '' });
    // `daemon stop` waits for the exit: gone the moment it returns.
    assert.ok(gone(pid), 'the daemon exited before "stopped" was printed');
    await leftNothing(pid, 'stop');
    assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr', 'vg/lv')).stdout, '  -wi-------\n');
    assert.equal((await ulvm('daemon', 'stop')).stdout, '  ulvm daemon is not running\n');
  });

  await t.test('SIGTERM with the filesystem mounted: the daemon unmounts its tree and exits', async () => {
    assert.equal((await ulvm('lvchange', '-ay', 'vg/lv')).rc, 0);
    const pid = daemonPid();
    const loop = await mountLv();
    process.kill(pid, 'SIGTERM');
    await leftNothing(pid, 'SIGTERM');
    // The filesystem's device is gone: reads fail or come from the cache, but nothing waits.
    assert.notEqual((await sh('ls', [mnt], { timeout: 5000 })).rc, -1, 'ls on the orphaned filesystem returns');
    await unmountLv(loop);
  });

  await t.test('stop --force with the filesystem mounted: stops at once, nothing waits', async () => {
    assert.equal((await ulvm('lvchange', '-ay', 'vg/lv')).rc, 0);
    const pid = daemonPid();
    const loop = await mountLv();
    const s = await ulvm('daemon', 'stop', '--force');
    assert.deepEqual(s, { rc: 0, stdout: '  ulvm daemon stopped\n', stderr: '' });
    await leftNothing(pid, 'stop --force');
    assert.notEqual((await sh('ls', [mnt], { timeout: 5000 })).rc, -1, 'ls on the orphaned filesystem returns');
    await unmountLv(loop);
  });

  await t.test('after SIGKILL the next start clears the dead tree mount', async () => {
    assert.equal((await ulvm('lvchange', '-ay', 'vg/lv')).rc, 0);
    const pid = daemonPid();
    const loop = await mountLv();
    process.kill(pid, 'SIGKILL');
    assert.ok(await goneWithin(pid, 5000));
    assert.equal(fuseMounts().length, 1, 'the dead mount is left behind');
    const dead = await sh('stat', [tree], { timeout: 5000, env: { ...process.env, LC_ALL: 'C' } });
    // The kernel answers a dead FUSE mount with ENOTCONN, or ECONNABORTED when the dying daemon's
    // /dev/fuse close raced a request (seen 1 run in 3): either is a mount with nobody behind it.
    assert.match(dead.stderr, /Transport endpoint is not connected|Software caused connection abort/);
    await unmountLv(loop);

    const started = await ulvm('daemon', 'start');
    assert.equal(started.rc, 0, started.stderr);
    assert.equal(fuseMounts().length, 1, 'one live tree mount');
    // Re-activated from the state the killed daemon left, and reachable through the new tree.
    assert.equal((await ulvm('lvs', '--noheadings', '-o', 'lv_attr', 'vg/lv')).stdout, '  -wi-a-----\n');
    assert.equal((await sh('stat', ['-c', '%s', file], { timeout: 5000 })).stdout, `${20 * 1024 * 1024}\n`);
    const next = daemonPid();
    assert.deepEqual(await ulvm('daemon', 'stop'), { rc: 0, stdout: '  ulvm daemon stopped\n', stderr: '' });
    await leftNothing(next, 'stop after restart');
  });
});

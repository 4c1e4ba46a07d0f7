// A ulvm lab for the PostgreSQL backup scenario: a VG on a sparse image file, served by a ulvm
// daemon in a private run directory; LVs (thin in a pool, or plain) carrying ext4 mounted through
// their device-tree files (`<runDir>/dev/VG/LV`, `mount -o loop`), snapshots of them, copies of
// those to image files and the copies mounted read-write (PostgreSQL must write to recover).
// Everything, clusters included, is torn down in t.after, last made first undone.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { sparseFile } from './files.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { Canary, type Cluster, type PgbenchResult, initCluster, pgbenchInit, pgbenchRun, startCluster, startRestored, stopQuietly } from './postgres.ts';

const exec = promisify(execFile);
const BIN = new URL('../../bin/ulvm', import.meta.url).pathname;

export interface Result {
  rc: number;
  stdout: string;
  stderr: string;
}

async function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeout = 300_000): Promise<Result> {
  try {
    const r = await exec(cmd, args, { env: env ?? process.env, timeout, maxBuffer: 16 << 20 });
    return { rc: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number | string; stdout?: string; stderr?: string };
    return { rc: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? String(e) };
  }
}

function must(r: Result, what: string): Result {
  if (r.rc !== 0) throw new Error(`${what} failed (rc ${r.rc})\n${r.stdout}${r.stderr}`);
  return r;
}

export interface Volume {
  vg: string;
  lv: string;
  kind: 'thin' | 'plain';
  /** The LV's device-tree file. */
  dev: string;
  mountPoint: string;
  /** PGDATA inside the mounted file system. */
  dataDir: string;
}

export interface Snapshot {
  name: string;
  dev: string;
  /** performance.now() just before lvcreate -s started: what was acknowledged before it is in the snapshot. */
  instant: number;
  /** lvcreate -s's wall time. */
  ms: number;
  /** How long the daemon kept the origin's file system frozen (from its log), when it says. */
  frozenMs?: number;
}

export class PgLab {
  readonly runEnv: NodeJS.ProcessEnv;
  private readonly undo: (() => void | Promise<void>)[] = [];

  private constructor(readonly dir: string, readonly vg: string) {
    this.runEnv = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
  }

  /**
   * A VG `vg` on one sparse disk of diskMiB; the directory is world-traversable because the
   * postgres user must reach the data directories and sockets below it.
   */
  static async create(t: { after(fn: () => Promise<void>): void }, diskMiB: number, vg = 'vg'): Promise<PgLab> {
    const dir = mkdtempSync(join(tmpdir(), 'ulvm-pg-'));
    chmodSync(dir, 0o755);
    const lab = new PgLab(dir, vg);
    t.after(() => lab.destroy());
    lab.undo.push(async () => {
      await lab.ulvm('daemon', 'stop', '--force');
      spawnSync('umount', ['-l', join(dir, 'run', 'dev')], { timeout: 10_000, stdio: 'ignore' });
    });
    const disk = sparseFile(join(dir, 'disk.img'), diskMiB * 1024 * 1024);
    await lab.ulvmOk('pvcreate', disk);
    await lab.ulvmOk('vgcreate', vg, disk);
    return lab;
  }

  ulvm(...args: string[]): Promise<Result> {
    return sh(process.execPath, [BIN, ...args], this.runEnv);
  }

  async ulvmOk(...args: string[]): Promise<Result> {
    return must(await this.ulvm(...args), `ulvm ${args.join(' ')}`);
  }

  dev(lv: string): string {
    return join(this.dir, 'run', 'dev', this.vg, lv);
  }

  /** Registers a teardown step (run in reverse order of registration). */
  onDestroy(fn: () => void | Promise<void>): void {
    this.undo.push(fn);
  }

  /** Mounts an ext4 image or LV file through a loop device, read-write; unmounted at teardown. */
  async mount(file: string, name: string): Promise<string> {
    const mnt = join(this.dir, name);
    mkdirSync(mnt, { recursive: true });
    must(await sh('mount', ['-o', 'loop', file, mnt]), `mount ${file}`);
    this.undo.push(() => {
      // Never leave a filesystem frozen: the umount would hang on it.
      spawnSync('fsfreeze', ['-u', mnt], { timeout: 10_000, stdio: 'ignore' });
      spawnSync('umount', [mnt], { timeout: 30_000, stdio: 'ignore' });
    });
    return mnt;
  }

  /**
   * An LV with ext4, mounted; `thin`: a thin LV in a pool of poolMiB (default: the LV's size
   * plus a half, room for the snapshot's divergence). Its PGDATA directory is not made here.
   */
  async volume(kind: 'thin' | 'plain', lv: string, sizeMiB: number, poolMiB = Math.ceil(sizeMiB * 1.5)): Promise<Volume> {
    if (kind === 'thin') {
      await this.ulvmOk('lvcreate', '-y', '-L', `${poolMiB}M`, '-T', `${this.vg}/${lv}pool`);
      await this.ulvmOk('lvcreate', '-V', `${sizeMiB}M`, '-T', `${this.vg}/${lv}pool`, '-n', lv);
    } else {
      await this.ulvmOk('lvcreate', '-y', '-L', `${sizeMiB}M`, '-n', lv, this.vg);
    }
    const dev = this.dev(lv);
    must(await sh('mkfs.ext4', ['-q', '-F', dev]), 'mkfs.ext4');
    const mountPoint = await this.mount(dev, `mnt-${lv}`);
    return { vg: this.vg, lv, kind, dev, mountPoint, dataDir: join(mountPoint, 'pgdata') };
  }

  /**
   * Snapshots a mounted volume as lvm2 would while the database runs: the daemon freezes the
   * file system and holds the origin for the instant. A thin snapshot gets the activation-skip
   * flag as in lvm2, so it is activated with -K to appear in the device tree; a classic one
   * takes cowMiB of copy-on-write space.
   */
  async snapshot(v: Volume, name: string, cowMiB = 128): Promise<Snapshot> {
    const logBefore = this.daemonLog().length;
    const instant = performance.now();
    const args = v.kind === 'thin' ? ['lvcreate', '-s', '-n', name, `${v.vg}/${v.lv}`] : ['lvcreate', '-s', '-L', `${cowMiB}M`, '-n', name, `${v.vg}/${v.lv}`];
    await this.ulvmOk(...args);
    const ms = performance.now() - instant;
    if (v.kind === 'thin') await this.ulvmOk('lvchange', '-ay', '-K', `${v.vg}/${name}`);
    return { name, dev: this.dev(name), instant, ms, frozenMs: frozenMs(this.daemonLog().slice(logBefore)) };
  }

  daemonLog(): string {
    try {
      return readFileSync(join(this.dir, 'run', 'daemon.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async destroy(): Promise<void> {
    while (this.undo.length) {
      try {
        await this.undo.pop()!();
      } catch (e) {
        process.stderr.write(`pg-lab teardown: ${(e as Error).message}\n`);
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops the cluster on dataDir (if running) at teardown, before its file system is unmounted. */
  stopClusterAtEnd(dataDir: string): void {
    this.undo.push(() => stopQuietly(dataDir));
  }
}

/** The daemon's freeze window from its log (`<iso> froze M …` then `<iso> thawed M`). */
function frozenMs(log: string): number | undefined {
  const froze = /^(\S+) froze /m.exec(log);
  const thawed = /^(\S+) thawed /m.exec(log);
  if (!froze || !thawed) return undefined;
  return Date.parse(thawed[1]!) - Date.parse(froze[1]!);
}

/**
 * A device (a snapshot's file) copied to an image file as a backup tool reading the device
 * would, holes kept (cp --sparse=always). The copy's time and its size.
 */
export async function copyDevice(src: string, image: string): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  must(await sh('cp', ['--sparse=always', src, image]), `cp ${src}`);
  return { ms: performance.now() - t, bytes: statSync(image).size };
}

/**
 * The database of the scenario on a mounted volume: initdb, a cluster on a private socket,
 * `pgbench -i -s scale`, and the canary writing. Stopped at the lab's teardown.
 */
export async function startDatabase(lab: PgLab, v: Volume, o: { scale: number; port: number; archiveDir?: string }): Promise<{ pg: Cluster; canary: Canary }> {
  await initCluster(v.dataDir);
  lab.stopClusterAtEnd(v.dataDir);
  const pg = await startCluster({ dataDir: v.dataDir, port: o.port, socketDir: join(lab.dir, `sock-${v.lv}`), archiveDir: o.archiveDir });
  await pgbenchInit(pg, o.scale);
  return { pg, canary: await Canary.start(pg) };
}

/**
 * `action` (a snapshot, a backup) run a second into a pgbench run of `seconds`; then `repeat`
 * (the backup's reading, again) until pgbench ends, so that pgbench's throughput is the one
 * while a backup runs, against a run without.
 */
export async function underLoad<T>(pg: Cluster, seconds: number, action: () => Promise<T>, repeat?: () => Promise<void>): Promise<{ load: PgbenchResult; result: T; repeats: number }> {
  const run = pgbenchRun(pg, { seconds });
  let done = false;
  void run.finally(() => (done = true)).catch(() => undefined);
  await sleep(1000);
  const result = await action();
  let repeats = 0;
  while (repeat && !done) {
    await repeat();
    repeats++;
  }
  return { load: await run, result, repeats };
}

/**
 * A restored copy (an ext4 image file) mounted read-write and a second cluster started on its
 * data directory (after recovery: crash recovery, or with a backup_label and a WAL archive,
 * archive recovery); stopped and unmounted at the lab's teardown.
 */
export async function startFromImage(lab: PgLab, image: string, name: string, o: { port: number; backupLabel?: string; restoreFrom?: string }): Promise<{ cluster: Cluster; dataDir: string }> {
  const mnt = await lab.mount(image, `mnt-${name}`);
  const dataDir = join(mnt, 'pgdata');
  lab.stopClusterAtEnd(dataDir);
  const cluster = await startRestored({ dataDir, port: o.port, socketDir: join(lab.dir, `sock-${name}`), backupLabel: o.backupLabel, restoreFrom: o.restoreFrom });
  return { cluster, dataDir };
}

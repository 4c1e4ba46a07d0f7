// The backup benchmark's tools: each one a repository it initialises, a backup of its volume
// and a restore to an image file, run as whole processes under /usr/bin/time (wall time, peak
// RSS, CPU). The anchors are restic 0.14 and borg 1.2 from Debian, reading the volume whole as
// their documentation says for block devices; ulvm's column is optional (see ulvmTool).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export interface Measured {
  /** Wall time, process start included. */
  s: number;
  /** Peak RSS of the process (KiB), NaN without /usr/bin/time. */
  rssKiB: number;
  /** User + system CPU seconds, NaN without /usr/bin/time. */
  cpuS: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A file given as the process's stdin (restic --stdin). */
  stdinFile?: string;
  /** A file the process's stdout is written to (restic dump, borg extract --stdout). */
  stdoutFile?: string;
}

/** Runs a command to completion under /usr/bin/time; throws with its stderr when it fails. */
export function timed(cmd: string, args: string[], o: RunOptions = {}): Measured {
  const timeFile = join(o.cwd ?? '/tmp', `.time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const stdin = o.stdinFile ? openSync(o.stdinFile, 'r') : 'ignore';
  const stdout = o.stdoutFile ? openSync(o.stdoutFile, 'w') : 'pipe';
  const [c, a] = TIME ? [TIME, ['-f', '%M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const t = performance.now();
  const r = spawnSync(c, a, { env: o.env ?? process.env, cwd: o.cwd, stdio: [stdin, stdout, 'pipe'], maxBuffer: 64 << 20 });
  const s = (performance.now() - t) / 1000;
  if (typeof stdin === 'number') closeSync(stdin);
  if (typeof stdout === 'number') closeSync(stdout);
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? `rc ${r.status}`}):\n${r.stderr?.toString() ?? ''}`);
  let rssKiB = NaN;
  let cpuS = NaN;
  if (TIME) {
    const [m, u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    rmSync(timeFile, { force: true });
    rssKiB = m!;
    cpuS = u! + sy!;
  }
  return { s, rssKiB, cpuS };
}

/** Bytes under a directory (what a repository takes on disk, as du -sb counts apparent sizes). */
export function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

export interface Tool {
  name: string;
  version: string;
  /** The volume this tool backs up: an image file, or an LV's device file (the 1% change is written there). */
  volume: string;
  init(): Measured;
  backup(label: 'full' | 'incr'): Measured;
  /** Restores the backup `label` to the image file `out`. */
  restore(label: 'full' | 'incr', out: string): Measured;
  repoBytes(): number;
  cleanup?(): void;
}

export function version(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return /(\d+\.\d+(\.\d+)?)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

const PASSWORD = 'ulvm-bench-backup';

/**
 * restic 0.14 (repository format 2: zstd compression, auto level): a block device is backed up
 * from stdin (`dd if=/dev/X | restic backup --stdin`, restic#949) and restored with `restic dump`.
 */
export function resticTool(work: string, volume: string): Tool | string {
  const v = version('restic', ['version']);
  if (!v) return 'restic not installed (Debian restic)';
  const repo = join(work, 'restic-repo');
  const env = { ...process.env, RESTIC_REPOSITORY: repo, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: join(work, 'restic-cache'), RESTIC_PROGRESS_FPS: '0' };
  const ids: Partial<Record<'full' | 'incr', string>> = {};
  return {
    name: 'restic',
    version: v,
    volume,
    init: () => timed('restic', ['init', '--repository-version', '2'], { env, cwd: work }),
    backup(label) {
      const m = timed('restic', ['backup', '--quiet', '--host', 'bench', '--tag', label, '--stdin', '--stdin-filename', 'vol.img'], { env, cwd: work, stdinFile: volume });
      const snaps = JSON.parse(spawnSync('restic', ['snapshots', '--json', '--tag', label], { env, encoding: 'utf8' }).stdout) as { short_id: string }[];
      ids[label] = snaps.at(-1)!.short_id;
      return m;
    },
    restore: (label, out) => timed('restic', ['dump', ids[label]!, 'vol.img'], { env, cwd: work, stdoutFile: out }),
    repoBytes: () => treeBytes(repo),
  };
}

/**
 * borg 1.2 (repokey-blake2, lz4 by default): the image-backup recipe of its documentation,
 * `borg create --read-special --chunker-params fixed,4194304`; the volume here is a file, so the
 * files cache is disabled to read it whole as a device is read. Restored with `extract --stdout`.
 */
export function borgTool(work: string, volume: string): Tool | string {
  const v = version('borg', ['--version']);
  if (!v) return 'borg not installed (Debian borgbackup)';
  const repo = join(work, 'borg-repo');
  const base = join(work, 'borg-base');
  mkdirSync(base, { recursive: true });
  const env = { ...process.env, BORG_PASSPHRASE: PASSWORD, BORG_BASE_DIR: base, BORG_RELOCATED_REPO_ACCESS_IS_OK: 'yes', BORG_DELETE_I_KNOW_WHAT_I_AM_DOING: 'YES' };
  // borg stores the path as given: run from the volume's directory with its bare name.
  const cwd = join(volume, '..');
  const name = volume.slice(cwd.length + 1);
  return {
    name: 'borg',
    version: v,
    volume,
    init: () => timed('borg', ['init', '--encryption', 'repokey-blake2', repo], { env, cwd: work }),
    backup: (label) => timed('borg', ['create', '--read-special', '--chunker-params', 'fixed,4194304', '--files-cache', 'disabled', `${repo}::${label}`, name], { env, cwd }),
    restore: (label, out) => timed('borg', ['extract', '--stdout', `${repo}::${label}`, name], { env, cwd: work, stdoutFile: out }),
    repoBytes: () => treeBytes(repo),
  };
}

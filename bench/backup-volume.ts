// The backup benchmark's volume: a 2 GiB image with real data, made once and kept (it takes a
// minute or two). `pg`: ext4 holding a PostgreSQL 15 database filled by `pgbench -i` and then
// worked by a short pgbench run (needs root and PostgreSQL); `mix`: no file system, 4 MiB regions
// of log-like text, random bytes and zeros in a seeded order (needs nothing). Then the 1% change
// between the full and the incremental backup: whole 4 MiB-aligned regions rewritten.
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, randomFillSync } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const REGION = 4 * 1024 * 1024;

/** A seeded generator (LCG), so every run picks the same regions. */
export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

const WORDS = 'INFO WARN ERROR DEBUG request served user session checkpoint commit rollback vacuum index scan tuple page buffer flush write read latency ms bytes client connection accepted closed timeout retry backend query select update insert delete from where order by limit'.split(' ');

/** Log-like lines: compressible as real text is (about 3-5× with lz4/zstd), not trivially. */
function textRegion(r: (n: number) => number, t0: number): Buffer {
  const parts: string[] = [];
  let len = 0;
  let t = t0;
  while (len < REGION) {
    t += r(5000);
    const words = Array.from({ length: 6 + r(10) }, () => WORDS[r(WORDS.length)]!).join(' ');
    const line = `2026-11-${String(1 + r(28)).padStart(2, '0')}T${new Date(t).toISOString().slice(11, 23)}Z pid=${1000 + r(9000)} ${words} id=${r(1e9)} took=${r(5000)}ms\n`;
    parts.push(line);
    len += line.length;
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, REGION);
}

/** 4 MiB regions: 40% text, 35% random, 25% zeros (left as holes), in a seeded order. */
function makeMix(path: string, bytes: number): void {
  const r = rng(7);
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, bytes);
    const random = Buffer.alloc(REGION);
    for (let i = 0; i < bytes / REGION; i++) {
      const x = r(100);
      if (x < 25) continue;
      const data = x < 65 ? textRegion(r, i * 1e6) : (randomFillSync(random), random);
      writeSync(fd, data, 0, REGION, i * REGION);
    }
  } finally {
    closeSync(fd);
  }
}

/** What the pg volume needs that the mix does not. */
export function pgVolumeSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (loop mount, the postgres user)';
  if (!existsSync('/usr/lib/postgresql/15/bin/initdb')) return 'no PostgreSQL 15 (Debian postgresql-15)';
  return undefined;
}

/**
 * ext4 on the image, a database from `pgbench -i -s scale` (about 15 MiB per scale unit, with
 * indexes) and 20 s of pgbench (updates spread over the tables, history rows, WAL), then a
 * clean stop and unmount: a volume as a database server leaves it.
 */
async function makePg(path: string, bytes: number, scale: number, log: (s: string) => void): Promise<void> {
  const pg = await import('../test/helpers/postgres.ts');
  const work = mkdtempSync(join(dirname(path), 'pgvol-'));
  chmodSync(work, 0o755);
  const mnt = join(work, 'mnt');
  mkdirSync(mnt);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  execFileSync('mkfs.ext4', ['-q', '-F', path]);
  execFileSync('mount', ['-o', 'loop', path, mnt]);
  const dataDir = join(mnt, 'pgdata');
  try {
    await pg.initCluster(dataDir);
    const c = await pg.startCluster({ dataDir, port: pg.socketPort(11), socketDir: join(work, 'sock') });
    try {
      log(`  pgbench -i -s ${scale} ...`);
      await pg.pgbenchInit(c, scale);
      log('  pgbench -T 20 ...');
      const run = await pg.pgbenchRun(c, { seconds: 20 });
      log(`  ${run.tps.toFixed(0)} tps; database ${await c.psql(`select pg_size_pretty(pg_database_size('postgres'))`)}`);
    } finally {
      await c.stop();
    }
  } finally {
    spawnSync('umount', [mnt]);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The pristine volume image at `path`, made if absent (written to a temporary name first, so an
 * interrupted generation is not mistaken for a volume).
 */
export async function ensureVolume(path: string, kind: 'pg' | 'mix', bytes: number, scale: number, log: (s: string) => void): Promise<void> {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.partial`;
  rmSync(tmp, { force: true });
  const t = Date.now();
  log(`making the ${kind} volume ${path} (once; kept for later runs) ...`);
  if (kind === 'pg') await makePg(tmp, bytes, scale, log);
  else makeMix(tmp, bytes);
  renameSync(tmp, path);
  log(`  made in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

/** Which 4 MiB regions the 1% change rewrites (seeded; distinct). */
export function changedRegions(bytes: number, fraction: number): number[] {
  const n = bytes / REGION;
  const want = Math.max(1, Math.round(n * fraction));
  const r = rng(42);
  const picked = new Set<number>();
  while (picked.size < want) picked.add(r(n));
  return [...picked].sort((a, b) => a - b);
}

/** A region's new bytes: incompressible and the same in every run (AES-256-CTR over zeros, keyed by the region). */
export function regionBytes(region: number): Buffer {
  const key = Buffer.alloc(32);
  key.writeUInt32LE(region, 0);
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(REGION));
}

/**
 * Rewrites the regions with their new bytes, through any writable path (an image file or an
 * LV's device file), flushed, so every tool's volume ends up the same. A real workload changes
 * fewer bytes per region; a whole region is what a 4 MiB fixed-chunk tool stores again either way.
 */
export function rewriteRegions(path: string, regions: number[]): void {
  const fd = openSync(path, 'r+');
  try {
    for (const i of regions) writeSync(fd, regionBytes(i), 0, REGION, i * REGION);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

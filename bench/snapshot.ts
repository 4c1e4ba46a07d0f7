// Classic (copy-on-write) snapshot benchmark: ulvm's in-process activation engine on sparse image
// files in a temp dir. Origin writes with 0, 1 and 4 active snapshots (4 KiB random first writes,
// 1 MiB sequential), rewrites of already-copied chunks, and snapshot reads against origin reads.
// A benchmark, not a test: it never exits nonzero for a FAIL. No root needed:
//
//   npx tsx bench/snapshot.ts [--quick] [--runs N] [--writes N] [--seq-mib N] [--keep] [--kernel [--kernel-runs N]]
//
// --kernel then measures the same scenarios in the real kernel (bench/snapshot-kernel.ts).
//
// See bench/README.md for what is measured and how to read the table.
import { closeSync, fdatasyncSync, fstatSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sparseFile } from '../test/helpers/files.ts';
import { runCommand } from '../src/cli/main.ts';
import { BufferIo } from '../src/ops/io.ts';
import { fileOpener } from '../src/devices/file.ts';
import { ActivationEngine } from '../src/activation/engine.ts';
import { fmtRate, fmtX, median, pad, padr } from './format.ts';

// ----- options -------------------------------------------------------------------------------------
const KiB = 1024;
const MiB = 1024 * KiB;
const argv = process.argv.slice(2);
function flag(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: npx tsx bench/snapshot.ts [--quick] [--runs N] [--writes N] [--seq-mib N] [--depth N] [--written] [--keep] [--kernel [--kernel-runs N]]\n');
  process.exit(0);
}
const QUICK = argv.includes('--quick');
const KEEP = argv.includes('--keep');
const ORIGIN_MIB = QUICK ? 64 : 256;
const WRITES = Number(flag('writes', QUICK ? '1000' : '2000')); // distinct 4 KiB chunks per run
const SEQ_MIB = Number(flag('seq-mib', QUICK ? '16' : '32'));
const RUNS = Number(flag('runs', '1')); // each run uses fresh VGs; the table shows medians
const SNAP_COUNTS = [0, 1, 4] as const;
const CHUNK = 4 * KiB; // lvcreate -s default chunk size
// --written: the disk image is written out in full first (as the kernel anchor's is), so no
// fdatasync pays for the host file system allocating blocks of a sparse file.
const WRITTEN = argv.includes('--written');
const DEPTH = Number(flag('depth', '16')); // writes in flight for the concurrent rows (an NBD client's queue)
const SYNC_WRITES = Math.min(WRITES, 500); // the flush-per-write rows are slow: fewer writes
if (!(WRITES > 0 && WRITES <= (ORIGIN_MIB * MiB) / CHUNK)) throw new Error(`--writes must be 1..${(ORIGIN_MIB * MiB) / CHUNK}`);
if (!(SEQ_MIB > 0 && SEQ_MIB <= ORIGIN_MIB)) throw new Error(`--seq-mib must be 1..${ORIGIN_MIB}`);

const GOALS = {
  firstWrite1: 2, // first write to a chunk with 1 snapshot at most 2x a plain write
  copiedTolerance: 1.2, // "costs nothing extra", within 20% for timing noise
  four: 4, // 4 snapshots cost less than 4x one
};

// ----- helpers -------------------------------------------------------------------------------------
const WORK = mkdtempSync(join(tmpdir(), 'ulvm-bench-snap-'));
let cleaned = false;
function cleanup(): void {
  if (cleaned || KEEP) return;
  cleaned = true;
  rmSync(WORK, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});


/** Deterministic xorshift32, so every run and every snapshot count writes the same chunks. */
function randomChunks(count: number, totalChunks: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const c = next() % totalChunks;
    if (!seen.has(c)) {
      seen.add(c);
      out.push(c * CHUNK);
    }
  }
  return out;
}

const DATA = randomFillSync(new Uint8Array(MiB)); // non-zero payload, so nothing could shortcut zeros
const block4k = (i: number): Uint8Array => DATA.subarray((i * CHUNK) % MiB, ((i * CHUNK) % MiB) + CHUNK);

interface Setup {
  engine: ActivationEngine;
  dir: string;
}
let setupNo = 0;

function writeZeros(path: string): void {
  const fd = openSync(path, 'r+');
  const zeros = new Uint8Array(MiB);
  try {
    for (let at = 0; at < fstatSync(fd).size; at += MiB) writeSync(fd, zeros, 0, MiB, at);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A fresh sparse disk, VG, origin LV and `snaps` active snapshots (COW 100%ORIGIN, no overflow). */
async function setup(snaps: number): Promise<Setup> {
  const dir = join(WORK, `s${setupNo++}`);
  mkdirSync(dir);
  const disk = sparseFile(join(dir, 'disk.img'), (ORIGIN_MIB * (1 + snaps * 2) + 64) * MiB);
  if (WRITTEN) writeZeros(disk);
  const engine = new ActivationEngine(fileOpener);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (cmd: string, ...args: string[]): Promise<void> => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    if (rc !== 0) throw new Error(`ulvm ${cmd} ${args.join(' ')} failed (rc ${rc}): ${io.stderr}`);
  };
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vg', disk);
  await ulvm('lvcreate', '-L', `${ORIGIN_MIB}M`, '-n', 'lvol0', 'vg');
  for (let i = 0; i < snaps; i++) await ulvm('lvcreate', '-s', '-l', '100%ORIGIN', '-n', `snap${i}`, 'vg/lvol0');
  return { engine, dir };
}
async function teardown(s: Setup): Promise<void> {
  await s.engine.closeAll();
  if (!KEEP) rmSync(s.dir, { recursive: true, force: true });
}
function dev(s: Setup, lv: string) {
  const d = s.engine.device('vg', lv);
  if (!d) throw new Error(`vg/${lv} is not active`);
  return d;
}

/** Wall seconds for `fn` (write phases end with a flush of the origin, so COW copies are paid for). */
async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

// ----- measurements --------------------------------------------------------------------------------
const OFFSETS = randomChunks(WRITES, (ORIGIN_MIB * MiB) / CHUNK, 0x5eed);

interface RandResult {
  first: number; // seconds for WRITES first writes
  firstQd?: number; // the same with DEPTH writes in flight
  firstSync?: number; // SYNC_WRITES first writes, each followed by a flush (a database's commits)
  rewrite?: number; // seconds for the same offsets again
  readOrigin?: number;
  readSnap?: number;
}
interface SeqResult {
  write: number;
  readOrigin?: number;
  readSnap?: number;
}

/** Writes every offset with `depth` writers in flight, then flushes (as an NBD client with a queue). */
async function writeConcurrently(d: { write(o: number, b: Uint8Array): Promise<void>; flush(): Promise<void> }, writes: number[], depth: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < writes.length) {
      const i = next++;
      await d.write(writes[i]!, block4k(i));
    }
  };
  await Promise.all(Array.from({ length: depth }, worker));
  await d.flush();
}

type Origin = ReturnType<typeof dev>;

/** Seconds for `work` on the origin of a fresh VG with `snaps` snapshots. */
async function timedOnFresh(snaps: number, work: (origin: Origin) => Promise<void>): Promise<number> {
  const s = await setup(snaps);
  try {
    const origin = dev(s, 'lvol0');
    return await timed(() => work(origin));
  } finally {
    await teardown(s);
  }
}

/** Each write followed by a flush, as a database commits: the plain write then pays a flush too. */
const randSyncRun = (snaps: number, writes: number[]): Promise<number> =>
  timedOnFresh(snaps, async (origin) => {
    for (let i = 0; i < writes.length; i++) {
      await origin.write(writes[i]!, block4k(i));
      await origin.flush();
    }
  });

const randQdRun = (snaps: number, writes: number[]): Promise<number> => timedOnFresh(snaps, (origin) => writeConcurrently(origin, writes, DEPTH));

async function randRun(snaps: number, writes: number[]): Promise<RandResult> {
  const s = await setup(snaps);
  try {
    const origin = dev(s, 'lvol0');
    const writeAll = async (): Promise<void> => {
      for (let i = 0; i < writes.length; i++) await origin.write(writes[i]!, block4k(i));
      await origin.flush();
    };
    const r: RandResult = { first: await timed(writeAll) };
    if (snaps <= 1) r.rewrite = await timed(writeAll);
    if (snaps === 1) {
      const snap = dev(s, 'snap0');
      Object.assign(r, await compareReads(origin, snap, async (d) => {
        for (const off of writes) await d.read(off, CHUNK);
      }));
    }
    return r;
  } finally {
    await teardown(s);
  }
}

/** Reads origin and snapshot alternately, best of two each, so neither side gets the colder cache. */
async function compareReads<D>(origin: D, snap: D, readAll: (d: D) => Promise<void>): Promise<{ readOrigin: number; readSnap: number }> {
  const o1 = await timed(() => readAll(origin));
  const s1 = await timed(() => readAll(snap));
  const o2 = await timed(() => readAll(origin));
  const s2 = await timed(() => readAll(snap));
  return { readOrigin: Math.min(o1, o2), readSnap: Math.min(s1, s2) };
}

async function seqRun(snaps: number, mib: number): Promise<SeqResult> {
  const s = await setup(snaps);
  try {
    const origin = dev(s, 'lvol0');
    const r: SeqResult = {
      write: await timed(async () => {
        for (let i = 0; i < mib; i++) await origin.write(i * MiB, DATA);
        await origin.flush();
      }),
    };
    if (snaps === 1) {
      const snap = dev(s, 'snap0');
      Object.assign(r, await compareReads(origin, snap, async (d) => {
        for (let i = 0; i < mib; i++) await d.read(i * MiB, MiB);
      }));
    }
    return r;
  } finally {
    await teardown(s);
  }
}

// ----- run -----------------------------------------------------------------------------------------
const load0 = loadavg()[0]!;
const tStart = performance.now();
process.stdout.write(
  `ulvm classic snapshot benchmark: origin ${ORIGIN_MIB} MiB, chunk 4 KiB, COW 100%ORIGIN, ${WRITES} x 4 KiB random first writes, ` +
    `${SEQ_MIB} x 1 MiB sequential, ${RUNS} run(s) (median), fresh VG per scenario, ${WRITTEN ? 'disk images written out in full' : 'sparse files'} in ${tmpdir()}\n`,
);

// Warm-up (not counted): JIT the write, copy-out and read paths once.
await randRun(1, OFFSETS.slice(0, Math.min(300, WRITES)));
await seqRun(1, Math.min(4, SEQ_MIB));

const rand = new Map<number, RandResult[]>(SNAP_COUNTS.map((n) => [n, []]));
const seq = new Map<number, SeqResult[]>(SNAP_COUNTS.map((n) => [n, []]));
for (let run = 0; run < RUNS; run++) {
  // Rotate the order per run so drift on a busy host does not always hit the same count.
  const order = SNAP_COUNTS.map((_, i) => SNAP_COUNTS[(i + run) % SNAP_COUNTS.length]!);
  for (const n of order) rand.get(n)!.push({ ...(await randRun(n, OFFSETS)), firstQd: await randQdRun(n, OFFSETS), firstSync: await randSyncRun(n, OFFSETS.slice(0, SYNC_WRITES)) });
  for (const n of order) seq.get(n)!.push(await seqRun(n, SEQ_MIB));
}

const med = <T>(xs: T[], f: (x: T) => number | undefined): number => median(xs.map(f).filter((v): v is number => v !== undefined));
const randFirst = new Map(SNAP_COUNTS.map((n) => [n, med(rand.get(n)!, (r) => r.first)]));
const randFirstQd = new Map(SNAP_COUNTS.map((n) => [n, med(rand.get(n)!, (r) => r.firstQd)]));
const randFirstSync = new Map(SNAP_COUNTS.map((n) => [n, med(rand.get(n)!, (r) => r.firstSync)]));
const seqWrite = new Map(SNAP_COUNTS.map((n) => [n, med(seq.get(n)!, (r) => r.write)]));
const rewrite0 = med(rand.get(0)!, (r) => r.rewrite);
const rewrite1 = med(rand.get(1)!, (r) => r.rewrite);
const rRead0 = med(rand.get(1)!, (r) => r.readOrigin);
const rRead1 = med(rand.get(1)!, (r) => r.readSnap);
const sRead0 = med(seq.get(1)!, (r) => r.readOrigin);
const sRead1 = med(seq.get(1)!, (r) => r.readSnap);

const iops = (secs: number): number => WRITES / secs;
const mibs = (secs: number): number => SEQ_MIB / secs;

// ----- table ---------------------------------------------------------------------------------------
// "vs base" is throughput relative to the baseline row (0 snapshots / origin read): 1.00x is
// as fast, 0.50x is half as fast. "cost" is the inverse: time per I/O relative to the baseline.
const rows: [string, string, string, string, string][] = [];
const row = (what: string, rate: number, unit: string, secs: number, baseSecs: number): void => {
  rows.push([what, fmtRate(rate), unit, fmtX(baseSecs / secs), fmtX(secs / baseSecs)]);
};
for (const n of SNAP_COUNTS) row(`4 KiB random first write, ${n} snap`, iops(randFirst.get(n)!), 'IOPS', randFirst.get(n)!, randFirst.get(0)!);
for (const n of SNAP_COUNTS) row(`4 KiB random first write, ${n} snap, ${DEPTH} in flight`, iops(randFirstQd.get(n)!), 'IOPS', randFirstQd.get(n)!, randFirstQd.get(0)!);
for (const n of SNAP_COUNTS) row(`4 KiB random first write + flush, ${n} snap`, SYNC_WRITES / randFirstSync.get(n)!, 'IOPS', randFirstSync.get(n)!, randFirstSync.get(0)!);
for (const n of SNAP_COUNTS) row(`1 MiB sequential write, ${n} snap`, mibs(seqWrite.get(n)!), 'MiB/s', seqWrite.get(n)!, seqWrite.get(0)!);
row('4 KiB random rewrite (copied), 0 snap', iops(rewrite0), 'IOPS', rewrite0, rewrite0);
row('4 KiB random rewrite (copied), 1 snap', iops(rewrite1), 'IOPS', rewrite1, rewrite0);
row('4 KiB random read, origin', iops(rRead0), 'IOPS', rRead0, rRead0);
row('4 KiB random read, snapshot', iops(rRead1), 'IOPS', rRead1, rRead0);
row('1 MiB sequential read, origin', mibs(sRead0), 'MiB/s', sRead0, sRead0);
row('1 MiB sequential read, snapshot', mibs(sRead1), 'MiB/s', sRead1, sRead0);

const header: [string, string, string, string, string] = ['scenario', 'rate', 'unit', 'vs base', 'cost'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]): string => r.map((c, i) => (i === 0 || i === 2 ? padr(c, widths[i]!) : pad(c, widths[i]!))).join('  ');
process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
for (const [i, r] of rows.entries()) {
  if ([3, 6, 9, 12, 14, 16].includes(i)) process.stdout.write('\n');
  process.stdout.write(`${line(r)}\n`);
}

// ----- goals ---------------------------------------------------------------------------------------
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'FAIL');
const goals: [string, number, string, boolean][] = [];
const c1r = randFirst.get(1)! / randFirst.get(0)!;
const c1s = seqWrite.get(1)! / seqWrite.get(0)!;
goals.push([`first write to a chunk with 1 snapshot <= ${GOALS.firstWrite1}x a plain write (4 KiB random)`, c1r, 'cost', c1r <= GOALS.firstWrite1]);
const c1q = randFirstQd.get(1)! / randFirstQd.get(0)!;
const c1f = randFirstSync.get(1)! / randFirstSync.get(0)!;
goals.push([`first write to a chunk with 1 snapshot <= ${GOALS.firstWrite1}x a plain write (4 KiB random, ${DEPTH} in flight)`, c1q, 'cost', c1q <= GOALS.firstWrite1]);
goals.push([`first write to a chunk with 1 snapshot <= ${GOALS.firstWrite1}x a plain write (4 KiB random, flush after each)`, c1f, 'cost', c1f <= GOALS.firstWrite1]);
goals.push([`first write to a chunk with 1 snapshot <= ${GOALS.firstWrite1}x a plain write (1 MiB sequential)`, c1s, 'cost', c1s <= GOALS.firstWrite1]);
const cc = rewrite1 / rewrite0;
goals.push([`writes to copied chunks cost nothing extra (1 snap rewrite vs 0 snap rewrite, <= ${GOALS.copiedTolerance}x)`, cc, 'cost', cc <= GOALS.copiedTolerance]);
const f4r = randFirst.get(4)! / randFirst.get(1)!;
const f4s = seqWrite.get(4)! / seqWrite.get(1)!;
goals.push([`4 snapshots < ${GOALS.four}x one (4 KiB random, time 4 snap / time 1 snap)`, f4r, 'ratio', f4r < GOALS.four]);
goals.push([`4 snapshots < ${GOALS.four}x one (1 MiB sequential, time 4 snap / time 1 snap)`, f4s, 'ratio', f4s < GOALS.four]);
process.stdout.write('\nGoals:\n');
for (const [text, v, , ok] of goals) process.stdout.write(`  ${verdict(ok)}  ${padr(text, 92)} ${fmtX(v)}\n`);

const maxRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(
  `\nPeak RSS: ${maxRssMiB.toFixed(1)} MiB (process.resourceUsage().maxRSS)\n` +
    `Total time: ${((performance.now() - tStart) / 1000).toFixed(1)} s; load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}\n`,
);
if (KEEP) process.stdout.write(`Scratch directory kept: ${WORK}\n`);
cleanup();

if (argv.includes('--kernel')) {
  const { kernelAnchor } = await import('./snapshot-kernel.ts');
  kernelAnchor(
    { originMiB: ORIGIN_MIB, writes: WRITES, seqMiB: SEQ_MIB, runs: Number(flag('kernel-runs', '3')), keep: KEEP },
    { randFirst, seqWrite, rewrite0, rewrite1, randReadOrigin: rRead0, randReadSnap: rRead1, seqReadOrigin: sRead0, seqReadSnap: sRead1 },
  );
}

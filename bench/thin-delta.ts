// Changed blocks between a thin device and its snapshot: ulvm's tree walk (src/pdata/thin-delta.ts)
// against thin_delta 0.9.0 on the same metadata file, in the same run. A fully mapped thin of
// 1 GiB and one of 16 GiB (64 KiB blocks), each with snapshots in which 1, 100 and 10,000 blocks
// were rewritten. A benchmark, not a test: no root, no lvm2; needs /usr/sbin/thin_delta.
//
//   npx tsx bench/thin-delta.ts [--quick] [--runs N] [--keep]
//
// See bench/README.md for what is measured and how to read the table.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { FileDevice } from '../src/devices/file.ts';
import { ThinMetadata } from '../src/pdata/thin-metadata.ts';
import { type DeltaRun, changedBlocks, thinDelta } from '../src/pdata/thin-delta.ts';
import { fmtX, median, pad, padr } from './format.ts';

const THIN_DELTA = '/usr/sbin/thin_delta';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const BLOCK_SECTORS = 128; // 64 KiB data blocks
const argv = process.argv.slice(2);
function flag(name: string, dflt: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

interface ChildResult {
  /** The first query in the process: cold JIT as well as a cold block cache. */
  firstMs: number;
  /** Later queries, each on a fresh open (cold block cache, warm JIT), median. */
  ms: number;
  fullMs: number;
  reads: number;
  fullReads: number;
  changed: number;
  rssBeforeKiB: number;
  maxRssKiB: number;
}

const CHILD_REPS = 5;

// ----- child: queries on cold opens, so their time, block reads and peak RSS are their own ----------
if (argv[0] === '--child') {
  const [meta, right, mode] = [argv[1]!, Number(argv[2]), argv[3]!];
  const rssBeforeKiB = process.memoryUsage().rss / 1024;
  const query = (full: boolean) => {
    const md = ThinMetadata.open(new FileDevice(meta, false), { readOnly: true });
    const t = performance.now();
    const runs: DeltaRun[] = full ? thinDelta(md, 0, right) : changedBlocks(md, 0, right);
    return { ms: performance.now() - t, reads: md.bm.reads, runs };
  };
  const first = query(false);
  const maxRssKiB = process.resourceUsage().maxRSS;
  const warm = Array.from({ length: CHILD_REPS }, () => query(false).ms);
  const changed = first.runs.filter((r) => r.kind !== 'same').reduce((n, r) => n + r.length, 0);
  const out: ChildResult = { firstMs: first.ms, ms: median(warm), fullMs: 0, reads: first.reads, fullReads: 0, changed, rssBeforeKiB, maxRssKiB };
  if (mode === 'both') {
    const full = Array.from({ length: CHILD_REPS }, () => query(true));
    out.fullMs = median(full.map((q) => q.ms));
    out.fullReads = full[0]!.reads;
  }
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}

if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: npx tsx bench/thin-delta.ts [--quick] [--runs N] [--keep]\n');
  process.exit(0);
}
const QUICK = argv.includes('--quick');
const KEEP = argv.includes('--keep');
const RUNS = Number(flag('runs', QUICK ? '3' : '5'));
const SIZES_GIB = QUICK ? [1] : [1, 16];
const CHANGES = [1, 100, 10000];
if (spawnSync(THIN_DELTA, ['-V']).error) {
  process.stdout.write(`SKIPPED: ${THIN_DELTA} not installed (thin-provisioning-tools)\n`);
  process.exit(0);
}

const WORK = mkdtempSync(join(tmpdir(), 'ulvm-bench-delta-'));
process.on('exit', () => {
  if (!KEEP) rmSync(WORK, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

/** A seeded generator, so every run rewrites the same blocks. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

/** Thin 0 fully mapped; snapshot i+1 of it with CHANGES[i] distinct blocks rewritten. */
function build(gib: number): string {
  const blocks = (gib * 2 ** 30) / (BLOCK_SECTORS * 512);
  const meta = join(WORK, `meta-${gib}g`);
  const fd = openSync(meta, 'w');
  ftruncateSync(fd, 256 << 20);
  closeSync(fd);
  const md = ThinMetadata.format(new FileDevice(meta, true), { dataBlockSize: BLOCK_SECTORS, nrDataBlocks: blocks + CHANGES.reduce((a, b) => a + b, 0) });
  md.createThin(0);
  for (let v = 0; v < blocks; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.commit();
  const rand = rng(gib);
  CHANGES.forEach((n, i) => {
    md.createSnap(i + 1, 0);
    const picked = new Set<number>();
    while (picked.size < Math.min(n, blocks)) picked.add(rand(blocks));
    for (const v of picked) md.insertMapping(i + 1, v, md.allocDataBlock());
    md.commit();
  });
  return meta;
}

function child(meta: string, right: number, mode: 'changed' | 'both'): { wall: number; r: ChildResult } {
  const t = performance.now();
  const p = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', meta, String(right), mode], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (p.status !== 0) throw new Error(`child failed: ${p.stderr}`);
  return { wall: performance.now() - t, r: JSON.parse(p.stdout) as ChildResult };
}

/** thin_delta's wall time (process start included) and max RSS, and how many blocks it says differ. */
function tool(meta: string, right: number): { ms: number; rssKiB: number | undefined; changed: number } {
  const args = ['--snap1', '0', '--snap2', String(right), meta];
  const t = performance.now();
  const p = TIME ? spawnSync(TIME, ['-f', '%M', THIN_DELTA, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 }) : spawnSync(THIN_DELTA, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  const ms = performance.now() - t;
  if (p.status !== 0) throw new Error(`thin_delta failed: ${p.stderr}`);
  const rssKiB = TIME ? Number(p.stderr.trim().split('\n').at(-1)) : undefined;
  let changed = 0;
  for (const m of p.stdout.matchAll(/<(different|left_only|right_only) begin="\d+" length="(\d+)"\/>/g)) changed += Number(m[2]);
  return { ms, rssKiB, changed };
}

function startMs(): number {
  const t = performance.now();
  spawnSync(THIN_DELTA, ['-V']);
  return performance.now() - t;
}

// ----- run -------------------------------------------------------------------------------------------
const tStart = performance.now();
const load0 = loadavg()[0]!;
process.stdout.write(
  `thin delta benchmark: changed blocks between a fully mapped thin and its snapshot, ulvm (tree walk, in-process query) vs ${THIN_DELTA} 0.9.0 (whole process)\n` +
    `  64 KiB data blocks, ${RUNS} run(s) per cell (median), every query on a cold open of the metadata file; node ${process.version}\n`,
);

const header = ['device', 'changed', 'thin_delta ms', 'ulvm 1st ms', 'ulvm ms', 'ratio', 'ulvm reads', 'ulvm+same ms', 'same reads', 'thin_delta RSS', 'ulvm RSS', 'agree'];
const rows: string[][] = [];
for (const gib of SIZES_GIB) {
  const tb = performance.now();
  const meta = build(gib);
  process.stdout.write(`  built ${gib} GiB (${(gib * 2 ** 30) / (BLOCK_SECTORS * 512)} mappings) and its snapshots in ${((performance.now() - tb) / 1000).toFixed(1)} s\n`);
  CHANGES.forEach((n, i) => {
    const ours: ChildResult[] = [];
    const theirs: ReturnType<typeof tool>[] = [];
    for (let k = 0; k < RUNS; k++) {
      // Alternate who goes first, so neither always gets the warmer page cache.
      if (k % 2) theirs.push(tool(meta, i + 1));
      ours.push(child(meta, i + 1, 'both').r);
      if (!(k % 2)) theirs.push(tool(meta, i + 1));
    }
    const ourMs = median(ours.map((r) => r.ms));
    const toolMs = median(theirs.map((r) => r.ms));
    const agree = ours.every((r) => r.changed === n) && theirs.every((r) => r.changed === n);
    const rss = theirs.map((r) => r.rssKiB).filter((x): x is number => x !== undefined);
    rows.push([
      `${gib} GiB`,
      String(n),
      toolMs.toFixed(1),
      median(ours.map((r) => r.firstMs)).toFixed(2),
      ourMs.toFixed(2),
      fmtX(toolMs / ourMs),
      String(ours[0]!.reads),
      median(ours.map((r) => r.fullMs)).toFixed(1),
      String(ours[0]!.fullReads),
      rss.length ? `${(Math.max(...rss) / 1024).toFixed(1)} MiB` : '-',
      `${(Math.max(...ours.map((r) => r.maxRssKiB)) / 1024).toFixed(1)} MiB`,
      agree ? 'yes' : 'NO',
    ]);
  });
}

const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i < 1 ? padr(c, widths[i]!) : pad(c, widths[i]!))).join('  ');
process.stdout.write(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
for (const r of rows) process.stdout.write(`${line(r)}\n`);

const base = median(Array.from({ length: RUNS }, startMs));
const baseRss = child(join(WORK, `meta-${SIZES_GIB[0]}g`), 1, 'changed').r.rssBeforeKiB;
process.stdout.write(
  `\nthin_delta ms is the whole process (thin_delta -V alone: ${base.toFixed(1)} ms); ulvm ms is the changed-blocks query alone\n` +
    `(on a fresh open of the file each time, so no block is cached; 1st: the first query in its process, JIT still cold).\n` +
    `ratio = thin_delta ms / ulvm ms. ulvm+same: the same walk with 'same' runs too, as thin_delta prints them (it must read every shared leaf).\n` +
    `RSS: peak of the whole process (thin_delta: /usr/bin/time -f %M; ulvm: the query's child node after its first query, resourceUsage().maxRSS, ` +
    `of which ${(baseRss / 1024).toFixed(1)} MiB is node and tsx before the query). agree: both found exactly the blocks rewritten.\n` +
    `Total time: ${((performance.now() - tStart) / 1000).toFixed(1)} s; load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}\n`,
);
if (KEEP) process.stdout.write(`Scratch directory kept: ${WORK}\n`);

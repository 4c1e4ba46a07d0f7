// Backup benchmark (issue 11, part 8): on one 2 GiB volume with real data, in one run, restic
// 0.14 and borg 1.2 from Debian (the anchors) and, where `ulvm backup` exists, ulvm: first full
// backup, incremental after 1% of the volume changed (whole 4 MiB regions), restore of the
// incremental to an image file (checked against the volume), repository size, peak RSS.
//
//   sudo npx tsx bench/backup.ts [--data pg|mix] [--mib 2048] [--image FILE] [--dir DIR] [--scale N] [--change 0.01] [--json FILE] [--keep]
//
// See bench/README.md for what is measured and how to read the table.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { changedRegions, ensureVolume, pgVolumeSkipReason, REGION, rewriteRegions } from './backup-volume.ts';
import { type Measured, type Tool, TIME, borgTool, resticTool } from './backup-tools.ts';
import { ulvmTool } from './backup-ulvm.ts';
import { fmtX, pad, padr } from './format.ts';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: sudo npx tsx bench/backup.ts [--data pg|mix] [--mib 2048] [--image FILE] [--dir DIR] [--scale N] [--change 0.01] [--json FILE] [--keep]\n');
  process.exit(0);
}
const BYTES = Number(flag('mib', '2048')) * 2 ** 20;
if (!(BYTES > 0) || BYTES % (4 << 20)) throw new Error('--mib: a multiple of 4');
const DATA = flag('data', pgVolumeSkipReason() ? 'mix' : 'pg') as 'pg' | 'mix';
if (DATA !== 'pg' && DATA !== 'mix') throw new Error(`--data pg|mix, not ${String(DATA)}`);
if (DATA === 'pg' && pgVolumeSkipReason()) throw new Error(`--data pg: ${pgVolumeSkipReason()}`);
const SCALE = Number(flag('scale', '100'));
const CHANGE = Number(flag('change', '0.01'));
const IMAGE = flag('image', `/var/tmp/ulvm-bench-backup/volume-${DATA}${DATA === 'pg' ? `-s${SCALE}` : ''}-${BYTES / 2 ** 20}m.img`);
const KEEP = argv.includes('--keep');
const JSON_OUT = flag('json', '');
const log = (s: string) => process.stdout.write(`${s}\n`);

const WORK = mkdtempSync(join(flag('dir', '/var/tmp'), 'ulvm-bench-backup-'));
const tools: Tool[] = [];
const cleanup = () => {
  for (const t of tools) t.cleanup?.();
  if (!KEEP) rmSync(WORK, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

function sha256(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(REGION);
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** A sparse copy of the pristine volume, one per anchor, so each backs up the same bytes. */
function workingCopy(name: string): string {
  const p = join(WORK, name);
  const r = spawnSync('cp', ['--sparse=always', IMAGE, p]);
  if (r.status !== 0) throw new Error(`cp ${IMAGE}: ${r.stderr.toString()}`);
  return p;
}

interface Result {
  name: string;
  version: string;
  init: Measured;
  full: Measured;
  incr: Measured;
  restore: Measured;
  repoFull: number;
  repoIncr: number;
  restoredOk: boolean;
}

/**
 * One tool's run: a fresh repository, a full backup of the pristine volume, the same 1% of it
 * rewritten, an incremental backup, a restore of that to an image file whose hash must be the
 * changed volume's.
 */
function measureTool(tool: Tool, regions: number[], want: string): Result {
  log(`  ${tool.name} ${tool.version}: init, full backup ...`);
  const init = tool.init();
  const full = tool.backup('full');
  const repoFull = tool.repoBytes();
  rewriteRegions(tool.volume, regions);
  log(`  ${tool.name}: incremental after ${regions.length} regions of 4 MiB rewritten ...`);
  const incr = tool.backup('incr');
  const repoIncr = tool.repoBytes();
  const out = join(WORK, `restored-${tool.name}.img`);
  log(`  ${tool.name}: restore ...`);
  const restore = tool.restore('incr', out);
  const restoredOk = sha256(out) === want;
  rmSync(out, { force: true });
  return { name: tool.name, version: tool.version, init, full, incr, restore, repoFull, repoIncr, restoredOk };
}

// ----- run -------------------------------------------------------------------------------------------
const t0 = Date.now();
const load0 = loadavg()[0]!;
log(`backup benchmark: a ${BYTES / 2 ** 30} GiB volume (${DATA}), full backup, incremental after ${(CHANGE * 100).toFixed(1)}% changed, restore; node ${process.version}`);
await ensureVolume(IMAGE, DATA, BYTES, SCALE, log);
const regions = changedRegions(BYTES, CHANGE);
log(`  volume ${IMAGE}; the change rewrites ${regions.length} of ${BYTES / REGION} 4 MiB regions (${((regions.length * REGION) / 2 ** 20).toFixed(0)} MiB); work dir ${WORK}`);
const changed = workingCopy('expected.img');
rewriteRegions(changed, regions);
const want = sha256(changed);
rmSync(changed);

const skipped: string[] = [];
const results: Result[] = [];
const candidates: [string, () => Tool | string][] = [
  ['restic', () => resticTool(WORK, workingCopy('vol-restic.img'))],
  ['borg', () => borgTool(WORK, workingCopy('vol-borg.img'))],
  ['ulvm', () => ulvmTool(WORK, IMAGE, BYTES)],
];
for (const [name, make] of candidates) {
  const tool = make();
  if (typeof tool === 'string') {
    skipped.push(`${name}: not measured: ${tool}`);
    continue;
  }
  tools.push(tool);
  results.push(measureTool(tool, regions, want));
  // The anchor's working copy is no longer needed: 2 GiB less on the disk.
  if (tool.name !== 'ulvm') rmSync(tool.volume, { force: true });
}

// ----- table -----------------------------------------------------------------------------------------
const MiB = 2 ** 20;
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
interface Row {
  label: string;
  value: (r: Result) => number;
  fmt: (x: number) => string;
}
const rows: Row[] = [
  { label: 'full backup (s)', value: (r) => r.full.s, fmt: f2 },
  { label: 'full backup (MiB/s of volume)', value: (r) => BYTES / MiB / r.full.s, fmt: f1 },
  { label: `incremental after ${(CHANGE * 100).toFixed(0)}% (s)`, value: (r) => r.incr.s, fmt: f2 },
  { label: 'incremental / full', value: (r) => (r.incr.s / r.full.s) * 100, fmt: (x) => `${x.toFixed(1)}%` },
  { label: 'restore (s)', value: (r) => r.restore.s, fmt: f2 },
  { label: 'restore (MiB/s)', value: (r) => BYTES / MiB / r.restore.s, fmt: f1 },
  { label: 'repository after full (MiB)', value: (r) => r.repoFull / MiB, fmt: f1 },
  { label: 'repository after incr. (MiB)', value: (r) => r.repoIncr / MiB, fmt: f1 },
  { label: 'peak RSS, full backup (MiB)', value: (r) => r.full.rssKiB / 1024, fmt: f1 },
  { label: 'peak RSS, incremental (MiB)', value: (r) => r.incr.rssKiB / 1024, fmt: f1 },
  { label: 'peak RSS, restore (MiB)', value: (r) => r.restore.rssKiB / 1024, fmt: f1 },
  { label: 'CPU, full backup (s)', value: (r) => r.full.cpuS, fmt: f1 },
  { label: 'CPU, incremental (s)', value: (r) => r.incr.cpuS, fmt: f1 },
];
const ulvm = results.find((r) => r.name === 'ulvm');
const anchors = results.filter((r) => r.name !== 'ulvm');
const header = ['', ...results.map((r) => `${r.name} ${r.version}`), ...(ulvm ? anchors.map((a) => `ulvm/${a.name}`) : [])];
const table = rows.map((row) => [
  row.label,
  ...results.map((r) => row.fmt(row.value(r))),
  ...(ulvm ? anchors.map((a) => fmtX(row.value(ulvm) / row.value(a))) : []),
]);
table.push(['restored = changed volume', ...results.map((r) => (r.restoredOk ? 'yes' : 'NO')), ...(ulvm ? anchors.map(() => '') : [])]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i === 0 ? padr(c, widths[i]!) : pad(c, widths[i]!))).join('  ');
log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
for (const r of table) log(line(r));
for (const s of skipped) log(`\n${s}`);
if (ulvm) {
  const restic = anchors.find((a) => a.name === 'restic');
  const goal = (ok: boolean, what: string) => log(`  ${ok ? 'PASS' : 'FAIL'}  ${what}`);
  log('\ngoals (issue 11):');
  if (restic) {
    goal(ulvm.full.s <= restic.full.s, `full backup >= 1.0x restic's speed (${fmtX(restic.full.s / ulvm.full.s)})`);
    goal(restic.incr.s / ulvm.incr.s >= 10, `incremental >= 10x faster than restic's (${fmtX(restic.incr.s / ulvm.incr.s)})`);
    goal(ulvm.restore.s <= restic.restore.s, `restore >= 1.0x restic's speed (${fmtX(restic.restore.s / ulvm.restore.s)})`);
  }
  goal(ulvm.incr.s < 0.05 * ulvm.full.s, `incremental < 5% of a full backup's time (${((ulvm.incr.s / ulvm.full.s) * 100).toFixed(1)}%)`);
}
log(
  `\nTimes are whole processes (start included), on a warm page cache, one run each. Ratios: ulvm's value / the anchor's ` +
    `(for times, below 1 is faster). Peak RSS and CPU: ${TIME ? '/usr/bin/time -f %M %U %S' : 'not measured (no /usr/bin/time)'}.\n` +
    `Load average ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; ${((Date.now() - t0) / 1000).toFixed(0)} s in all.`,
);
if (JSON_OUT) {
  mkdirSync(join(JSON_OUT, '..'), { recursive: true });
  writeFileSync(JSON_OUT, JSON.stringify({ data: DATA, bytes: BYTES, change: CHANGE, regions: regions.length, results, skipped }, null, 2));
}

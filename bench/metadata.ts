// Metadata-scaling benchmark: real lvm2 against ulvm on the same four loop devices, for VGs with
// 1, 100 and 1,000 LVs. A script, not a test: run as root with
//
//   node --import tsx bench/metadata.ts [--runs 9] [--sizes 1,100,1000] [--profile DIR] [--json FILE]
//
// See bench/README.md for what is measured and how to read the table.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';

// ----- options -------------------------------------------------------------------------------------
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
function flag(name: string, dflt?: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  return argv[i + 1];
}
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write('usage: node --import tsx bench/metadata.ts [--runs N] [--sizes 1,100,1000] [--profile DIR] [--json FILE] [--keep]\n');
  process.exit(0);
}
const RUNS = Number(flag('runs', '9'));
const SIZES = (flag('sizes', '1,100,1000') as string).split(',').map(Number);
const PROFILE_DIR = flag('profile');
const JSON_OUT = flag('json');
const KEEP = argv.includes('--keep');
const VG = 'ulvmbench';
const PV_SIZE = 1024 ** 3; // 1 GiB sparse files, 1 MiB extents: 1,023 extents per PV
const TMP_LV = 'benchtmp';

const TARGETS = {
  cliRatioAt1000: 1.5, // ulvm CLI within 1.5x lvm2 at 1,000 LVs
  libSpeedup: 2, // library path at least 2x faster than lvm2's whole command
};

// ----- small helpers -------------------------------------------------------------------------------
function die(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.error) die(`${cmd}: ${r.error.message}`);
  return r;
}
function must(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = sh(cmd, args, env);
  if (r.status !== 0) die(`${cmd} ${args.join(' ')} failed (rc ${r.status}):\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
const fmtMs = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const fmtX = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '-' : `${x.toFixed(2)}x`);
const fmtMiB = (kib: number | undefined): string => (kib === undefined || Number.isNaN(kib) ? '-' : (kib / 1024).toFixed(1));
const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padr = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));

// ----- preconditions -------------------------------------------------------------------------------
if (process.getuid?.() !== 0) die('must run as root (loop devices, lvm2)');
for (const tool of ['losetup', 'lvm']) if (sh('sh', ['-c', `command -v ${tool}`]).status !== 0) die(`${tool} not found`);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
if (!TIME) process.stderr.write('bench: /usr/bin/time missing (apt-get install time); CLI max RSS will be "-"\n');

// ----- scratch area, loop devices, cleanup ---------------------------------------------------------
const WORK = mkdtempSync(join(tmpdir(), 'ulvm-bench-'));
const loops: string[] = [];
let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const l of loops) spawnSync('losetup', ['-d', l], { stdio: 'ignore' });
  if (KEEP) process.stderr.write(`bench: kept ${WORK}\n`);
  else rmSync(WORK, { recursive: true, force: true });
  // lvm2 may leave its per-VG lock file behind in the system lock dir.
  rmSync(`/run/lock/lvm/V_${VG}`, { force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });

for (let i = 1; i <= 4; i++) {
  const img = join(WORK, `pv${i}.img`);
  writeFileSync(img, '');
  truncateSync(img, PV_SIZE);
  loops.push(must('losetup', ['-f', '--show', img]).trim());
}
const DEVICES = loops.join(',');

// lvm2: private system dir whose filter accepts only our loops; hints off so /run/lvm/hints
// (shared with anyone else using lvm2 on this host) is left alone.
const LVM_DIR = join(WORK, 'lvm2-etc');
mkdirSync(LVM_DIR);
writeFileSync(
  join(LVM_DIR, 'lvm.conf'),
  `devices {\n\tglobal_filter = [ ${loops.map((l) => `"a|^${l}$|", `).join('')}"r|.*|" ]\n\thints = "none"\n}\n`,
);
const LVM_ENV: NodeJS.ProcessEnv = { ...process.env, LVM_SYSTEM_DIR: LVM_DIR, LVM_SUPPRESS_FD_WARNINGS: '1' };
const ULVM_ENV: NodeJS.ProcessEnv = { ...process.env, ULVM_SYSTEM_DIR: join(WORK, 'ulvm-etc'), ULVM_RUN_DIR: join(WORK, 'ulvm-run') };
mkdirSync(ULVM_ENV.ULVM_SYSTEM_DIR!);
mkdirSync(ULVM_ENV.ULVM_RUN_DIR!);

// ----- ulvm build ----------------------------------------------------------------------------------
// The bundle is built from the current src/ with scripts/build.mjs's options, into the scratch area
// (dist/ is left alone). Two differences: a source map (for --profile; it is not loaded at run
// time), and an entry that also exports fileOpener for the library path. Lazily imported command
// modules that do not exist yet become stubs that throw when loaded, so a work-in-progress tree
// still bundles.
const ULVM_ROOT = join(WORK, 'ulvm');
const BUNDLE = join(ULVM_ROOT, 'dist', 'ulvm.cjs');
const ULVM_BIN = join(ULVM_ROOT, 'bin', 'ulvm');
// The same build as the product's (scripts/build.mjs: CommonJS bundle + code cache), plus a source map.
must(process.execPath, [join(REPO, 'scripts', 'build.mjs'), '--out', ULVM_ROOT, '--map']);

// ----- running the two tools -----------------------------------------------------------------------
interface Sample {
  ms: number;
  /** user+sys CPU of the command (10 ms resolution, from /usr/bin/time); NaN without it. */
  cpuMs: number;
  rssKiB: number;
  stdout: string;
}
type Tool = 'lvm2' | 'ulvm';
const RSS_FILE = join(WORK, 'rss');

/** One whole command, process start included; wall time measured around the spawn. */
function runCli(tool: Tool, cmd: string, args: string[]): Sample {
  const [exe, full, env] = tool === 'lvm2' ? [cmd, args, LVM_ENV] : [ULVM_BIN, [cmd, '--devices', DEVICES, ...args], ULVM_ENV];
  const [bin, binArgs] = TIME ? [TIME, ['-f', '%M %U %S', '-o', RSS_FILE, exe, ...full]] : [exe, full];
  const t0 = performance.now();
  const r = spawnSync(bin, binArgs, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.error) die(`${tool} ${cmd}: ${r.error.message}`);
  if (r.status !== 0) die(`${tool} ${cmd} ${full.join(' ')} failed (rc ${r.status}):\n${r.stdout}${r.stderr}`);
  const [rss, user, sys] = TIME ? readFileSync(RSS_FILE, 'utf8').trim().split('\n').pop()!.split(' ').map(Number) : [NaN, NaN, NaN];
  return { ms, cpuMs: (user! + sys!) * 1000, rssKiB: rss!, stdout: r.stdout };
}

const DL = ['--driverloaded', 'n'];
const LVS_ARGS = [...DL, VG];
const CREATE_ARGS = [...DL, '-an', '-Zn', '-l', '1', '-n', TMP_LV, VG];
const REMOVE_ARGS = [...DL, '-y', `${VG}/${TMP_LV}`];

/** lv_count and seqno as each tool sees them: both must agree before anything is measured. */
function vgState(tool: Tool): string {
  const s = runCli(tool, 'vgs', ['--noheadings', '-o', 'lv_count,vg_seqno', VG]).stdout;
  return s.trim().split(/\s+/).join(' ');
}
function checkState(n: number, when: string): void {
  const a = vgState('lvm2');
  const b = vgState('ulvm');
  if (a !== b || a.split(' ')[0] !== String(n)) die(`VG state differs ${when}: lvm2 "${a}", ulvm "${b}" (want ${n} LVs)`);
}

// ----- building VGs of N LVs -----------------------------------------------------------------------
// lvm2 makes the PVs, the VG and one LV; vgcfgbackup gives the text; LV sections are cloned with
// one extent each, round-robin over the four PVs, and vgcfgrestore writes the result.
must('lvm', ['pvcreate', '-q', ...loops], LVM_ENV);
must('lvm', ['vgcreate', '-q', '-s', '1M', VG, ...loops], LVM_ENV);
must('lvm', ['lvcreate', '-q', ...DL, '-an', '-Zn', '-l', '1', '-n', 'lv00001', VG], LVM_ENV);
const BASE_FILE = join(WORK, 'base.vg');
must('lvm', ['vgcfgbackup', '-q', '-f', BASE_FILE, VG], LVM_ENV);
const baseText = readFileSync(BASE_FILE, 'utf8');
const lvStart = baseText.indexOf('\t\tlv00001 {\n');
const lvEnd = baseText.indexOf('\n\t\t}\n', lvStart) + '\n\t\t}\n'.length;
if (lvStart < 0 || lvEnd < lvStart) die('unexpected vgcfgbackup layout');
const lvTemplate = baseText.slice(lvStart, lvEnd);

const UUID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
function uuid(): string {
  const part = (n: number): string => Array.from({ length: n }, () => UUID_CHARS[randomInt(UUID_CHARS.length)]).join('');
  return [6, 4, 4, 4, 4, 4, 6].map(part).join('-');
}
function vgText(n: number, seqno: number): string {
  const lvs: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `lv${String(i + 1).padStart(5, '0')}`;
    lvs.push(
      lvTemplate
        .replace('lv00001 {', `${name} {`)
        .replace(/id = "[^"]+"/, `id = "${uuid()}"`)
        .replace(/"pv0", 0/, `"pv${i % 4}", ${Math.floor(i / 4)}`),
    );
  }
  return (baseText.slice(0, lvStart) + lvs.join('\n') + baseText.slice(lvEnd)).replace(/\tseqno = \d+/, `\tseqno = ${seqno}`);
}
function restoreVg(n: number): void {
  const seq = Number(runCli('lvm2', 'vgs', ['--noheadings', '-o', 'vg_seqno', VG]).stdout.trim());
  const file = join(WORK, `vg-${n}.vg`);
  writeFileSync(file, vgText(n, seq + 1));
  must('lvm', ['vgcfgrestore', '-q', '-f', file, VG], LVM_ENV);
  checkState(n, `after vgcfgrestore of ${n} LVs`);
}

// ----- the library path: runCommand in a child node that loads the bundle once -------------------
// A separate process so that its max RSS is the library path's own peak, not the bench's.
const CHILD = join(WORK, 'lib-child.mjs');
writeFileSync(
  CHILD,
  `import { performance } from 'node:perf_hooks';
const cfg = JSON.parse(process.argv[2]);
const { createRequire } = await import('node:module');
const { runCommand, BufferIo, fileOpener } = createRequire(import.meta.url)(cfg.loader).loadBundle().exports;
const out = { lvs: [], create: [], remove: [] };
async function run(op, name, args, keep) {
  const io = new BufferIo();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const rc = await runCommand(name, ['--devices', cfg.devices, ...args], { io, env: cfg.env, uid: 0, cwd: process.cwd(), opener: fileOpener });
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (rc !== 0) { process.stderr.write(name + ' rc ' + rc + '\\n' + JSON.stringify(io)); process.exit(1); }
  if (keep) out[op].push([ms, (c.user + c.system) / 1000]);
}
if (cfg.ops.includes('lvs')) for (let i = 0; i <= cfg.runs; i++) await run('lvs', 'lvs', cfg.lvs, i > 0);
if (cfg.ops.includes('pair'))
  for (let i = 0; i <= cfg.runs; i++) {
    await run('create', 'lvcreate', cfg.create, i > 0);
    await run('remove', 'lvremove', cfg.remove, i > 0);
  }
out.maxRSS = process.resourceUsage().maxRSS;
process.stdout.write(JSON.stringify(out));
`,
);
interface LibResult {
  lvs: [number, number][];
  create: [number, number][];
  remove: [number, number][];
  maxRSS: number;
}
function runLib(extraNodeArgs: string[] = [], ops = ['lvs', 'pair'], runs = RUNS): LibResult {
  const cfg = {
    loader: join(ULVM_ROOT, 'bin', 'load.cjs'),
    devices: DEVICES,
    env: { ULVM_SYSTEM_DIR: ULVM_ENV.ULVM_SYSTEM_DIR, ULVM_RUN_DIR: ULVM_ENV.ULVM_RUN_DIR },
    runs,
    ops,
    lvs: LVS_ARGS,
    create: CREATE_ARGS,
    remove: REMOVE_ARGS,
  };
  return JSON.parse(must(process.execPath, [...extraNodeArgs, CHILD, JSON.stringify(cfg)])) as LibResult;
}

// ----- measurements --------------------------------------------------------------------------------
type Impl = 'lvm2' | 'ulvm' | 'lib';
type Op = 'lvs' | 'create' | 'remove' | 'pair';
interface Stat {
  wall: number;
  cpu: number;
}
interface Row {
  n: number;
  /** Medians per operation and implementation. */
  m: Record<Op, Record<Impl, Stat>>;
  /** Peak RSS in KiB: CLI processes per tool and operation group, and the library child. */
  rss: { lvs: Record<Tool, number>; pair: Record<Tool, number>; lib: number };
}
const rows: Row[] = [];
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const t0All = performance.now();

const nodeStart: number[] = [];
const nodeCpu: number[] = [];
let nodeRss = 0;
for (let i = 0; i <= RUNS; i++) {
  const [bin, args] = TIME ? [TIME, ['-f', '%M %U %S', '-o', RSS_FILE, process.execPath, '-e', '0']] : [process.execPath, ['-e', '0']];
  const t = performance.now();
  spawnSync(bin, args, { stdio: 'ignore' });
  const [rss, user, sys] = TIME ? readFileSync(RSS_FILE, 'utf8').trim().split(' ').map(Number) : [NaN, NaN, NaN];
  if (i > 0) {
    nodeStart.push(performance.now() - t);
    nodeCpu.push((user! + sys!) * 1000);
  }
  nodeRss = Math.max(nodeRss, rss!);
}

for (const n of SIZES) {
  process.stderr.write(`bench: ${n} LVs ...\n`);
  restoreVg(n);
  // Sanity: both list the same N LVs (header + N lines).
  for (const tool of ['lvm2', 'ulvm'] as const) {
    const lines = runCli(tool, 'lvs', LVS_ARGS).stdout.trimEnd().split('\n').length;
    if (lines !== n + 1) die(`${tool} lvs printed ${lines} lines for ${n} LVs`);
  }
  const samples = (): Record<Op, Stat[]> => ({ lvs: [], create: [], remove: [], pair: [] });
  const acc: Record<Impl, Record<Op, Stat[]>> = { lvm2: samples(), ulvm: samples(), lib: samples() };
  const rss = { lvs: { lvm2: 0, ulvm: 0 }, pair: { lvm2: 0, ulvm: 0 }, lib: 0 };
  // lvs: alternate which tool goes first; run 0 is the warm-up.
  for (let i = 0; i <= RUNS; i++) {
    const order: Tool[] = i % 2 ? ['ulvm', 'lvm2'] : ['lvm2', 'ulvm'];
    for (const tool of order) {
      const s = runCli(tool, 'lvs', LVS_ARGS);
      if (i > 0) acc[tool].lvs.push({ wall: s.ms, cpu: s.cpuMs });
      rss.lvs[tool] = Math.max(rss.lvs[tool], s.rssKiB);
    }
  }
  checkState(n, `before lvcreate+lvremove at ${n} LVs`);
  for (let i = 0; i <= RUNS; i++) {
    const order: Tool[] = i % 2 ? ['ulvm', 'lvm2'] : ['lvm2', 'ulvm'];
    for (const tool of order) {
      const c = runCli(tool, 'lvcreate', CREATE_ARGS);
      const r = runCli(tool, 'lvremove', REMOVE_ARGS);
      if (i > 0) {
        acc[tool].create.push({ wall: c.ms, cpu: c.cpuMs });
        acc[tool].remove.push({ wall: r.ms, cpu: r.cpuMs });
        acc[tool].pair.push({ wall: c.ms + r.ms, cpu: c.cpuMs + r.cpuMs });
      }
      rss.pair[tool] = Math.max(rss.pair[tool], c.rssKiB, r.rssKiB);
    }
  }
  checkState(n, `before the library path at ${n} LVs`);
  const lib = runLib();
  checkState(n, `after the library path at ${n} LVs`);
  const st = ([wall, cpu]: [number, number]): Stat => ({ wall, cpu });
  acc.lib.lvs = lib.lvs.map(st);
  acc.lib.create = lib.create.map(st);
  acc.lib.remove = lib.remove.map(st);
  acc.lib.pair = lib.create.map((c, i) => ({ wall: c[0] + lib.remove[i]![0], cpu: c[1] + lib.remove[i]![1] }));
  rss.lib = lib.maxRSS;
  const med = (xs: Stat[]): Stat => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  const m = {} as Row['m'];
  for (const op of ['lvs', 'create', 'remove', 'pair'] as const) m[op] = { lvm2: med(acc.lvm2[op]), ulvm: med(acc.ulvm[op]), lib: med(acc.lib[op]) };
  rows.push({ n, m, rss });
}
const benchSeconds = (performance.now() - t0All) / 1000;
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ----- report --------------------------------------------------------------------------------------
const out: string[] = [];
const p = (s = ''): void => void out.push(s);
const OPS: [string, Op][] = [
  ['lvs', 'lvs'],
  ['lvcreate+lvremove', 'pair'],
  ['  lvcreate alone', 'create'],
  ['  lvremove alone', 'remove'],
];
p(`ulvm metadata benchmark: 4 PVs (1 GiB sparse loop files ${loops.join(' ')}), 1 MiB extents, LVs of 1 extent`);
p(`medians of ${RUNS} runs after 1 warm-up. CLI = whole command incl. process start (lvm2's and ulvm's`);
p(`runs interleaved); lib = runCommand in-process in one node process (no start-up).`);
p(`lvm2: ${must('lvm', ['version'], LVM_ENV).split('\n')[0]!.trim()};  node ${process.version};  ${cpus().length} CPUs;  load avg before ${loadBefore}, after ${loadAfter}`);
p(`reference: node -e 0  ${fmtMs(median(nodeStart))} ms wall, ${fmtMs(median(nodeCpu))} ms CPU, max RSS ${fmtMiB(nodeRss)} MiB`);
p();
const widths = [18, 5, 8, 9, 9, 9, 9, 9, 8, 8];
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? padr(c, widths[i]!) : pad(c, widths[i]!))).join(' ');
for (const kind of ['wall', 'cpu'] as const) {
  p(kind === 'wall' ? 'WALL TIME (ms)' : 'CPU TIME, user+sys (ms; CLI from /usr/bin/time, 10 ms resolution; less sensitive to a loaded host)');
  p(line(['operation', 'LVs', 'lvm2', 'ulvm CLI', 'CLI/lvm2', 'ulvm lib', 'lib/lvm2', ...(kind === 'wall' ? ['lvm2 RSS', 'CLI RSS', 'lib RSS'] : [])]));
  for (const [label, op] of OPS)
    for (const r of rows) {
      const m = r.m[op];
      const rss = op === 'lvs' ? r.rss.lvs : op === 'pair' ? r.rss.pair : undefined;
      const rssCells = kind === 'wall' ? (rss ? [fmtMiB(rss.lvm2), fmtMiB(rss.ulvm), fmtMiB(r.rss.lib)] : ['', '', '']) : [];
      p(line([label, String(r.n), fmtMs(m.lvm2[kind]), fmtMs(m.ulvm[kind]), fmtX(m.ulvm[kind] / m.lvm2[kind]), fmtMs(m.lib[kind]), fmtX(m.lib[kind] / m.lvm2[kind]), ...rssCells]));
    }
  if (kind === 'wall') p('(RSS = peak max RSS in MiB over the runs; lib RSS = peak of the child process that ran all library-path calls for that size)');
  p();
}

const r100 = rows.find((r) => r.n === 100);
const r1000 = rows.find((r) => r.n === 1000);
const verdicts: { target: string; value: string; ok: boolean }[] = [];
if (r100 && r1000) {
  p('cost increase from 100 to 1,000 LVs (median at 1,000 minus median at 100, ms):');
  for (const [label, op] of OPS.slice(0, 2)) {
    const d = (k: Impl, kind: 'wall' | 'cpu'): number => r1000.m[op][k][kind] - r100.m[op][k][kind];
    const s = (x: number): string => (x >= 0 ? '+' : '') + fmtMs(x);
    p(`  ${padr(label, 18)} wall: lvm2 ${s(d('lvm2', 'wall'))}  ulvm CLI ${s(d('ulvm', 'wall'))}  ulvm lib ${s(d('lib', 'wall'))}   cpu: lvm2 ${s(d('lvm2', 'cpu'))}  ulvm CLI ${s(d('ulvm', 'cpu'))}  ulvm lib ${s(d('lib', 'cpu'))}`);
    verdicts.push({ target: `${label}: ulvm CLI added cost 100->1,000 LVs <= lvm2's`, value: `${s(d('ulvm', 'wall'))} vs ${s(d('lvm2', 'wall'))} ms wall`, ok: d('ulvm', 'wall') <= d('lvm2', 'wall') });
  }
  p();
}
if (r1000)
  for (const [label, op] of OPS.slice(0, 2).reverse()) {
    const m = r1000.m[op];
    verdicts.unshift({ target: `${label}: ulvm CLI within ${TARGETS.cliRatioAt1000}x lvm2 at 1,000 LVs`, value: `${fmtX(m.ulvm.wall / m.lvm2.wall)} wall`, ok: m.ulvm.wall / m.lvm2.wall <= TARGETS.cliRatioAt1000 });
  }
for (const [label, op] of OPS.slice(0, 2))
  for (const r of rows) {
    const m = r.m[op];
    verdicts.push({ target: `${label} @${r.n}: library path >= ${TARGETS.libSpeedup}x faster than lvm2 CLI`, value: `${fmtX(m.lvm2.wall / m.lib.wall)} faster (wall)`, ok: m.lvm2.wall / m.lib.wall >= TARGETS.libSpeedup });
  }
p('targets (from the issue; judged on wall-time medians):');
for (const v of verdicts) p(`  ${v.ok ? 'PASS' : 'FAIL'}  ${padr(v.target, 68)} ${v.value}`);
p();
p(`measurement time ${benchSeconds.toFixed(0)} s`);
process.stdout.write(out.join('\n') + '\n');

if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ runs: RUNS, loadBefore, loadAfter, nodeStartMs: median(nodeStart), nodeCpuMs: median(nodeCpu), nodeRssKiB: nodeRss, rows, verdicts }, null, 2) + '\n');

// ----- optional CPU profile at the largest size --------------------------------------------------
// CLI: `node --cpu-prof` on bin/ulvm for one lvs, lvcreate and lvremove. Library: one child for
// lvs and one for the lvcreate+lvremove pair, in-process (warm-up call included). Self and
// inclusive time are attributed to src/ file:line through the bundle's source map.
if (PROFILE_DIR) {
  const n = Math.max(...SIZES);
  process.stderr.write(`bench: profiling at ${n} LVs into ${PROFILE_DIR} ...\n`);
  checkState(n, 'before profiling');
  const profArgs = (dir: string): string[] => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir];
  };
  const cli = (tag: string, args: string[]): void => {
    const r = spawnSync(process.execPath, [...profArgs(join(PROFILE_DIR, tag)), ULVM_BIN, ...args], { env: ULVM_ENV, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) die(`profiling ${tag} failed: ${r.stderr}`);
  };
  cli('cli-lvs', ['lvs', '--devices', DEVICES, ...LVS_ARGS]);
  cli('cli-lvcreate', ['lvcreate', '--devices', DEVICES, ...CREATE_ARGS]);
  cli('cli-lvremove', ['lvremove', '--devices', DEVICES, ...REMOVE_ARGS]);
  runLib(profArgs(join(PROFILE_DIR, 'lib-lvs')), ['lvs']);
  runLib(profArgs(join(PROFILE_DIR, 'lib-pair')), ['pair']);
  checkState(n, 'after profiling');
  copyFileSync(BUNDLE, join(PROFILE_DIR, 'ulvm.cjs'));
  copyFileSync(`${BUNDLE}.map`, join(PROFILE_DIR, 'ulvm.cjs.map'));

  const map = new SourceMap(JSON.parse(readFileSync(`${BUNDLE}.map`, 'utf8')));
  const bundleUrl = BUNDLE;
  interface CallFrame {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
  }
  interface ProfNode {
    id: number;
    callFrame: CallFrame;
    children?: number[];
  }
  interface Profile {
    nodes: ProfNode[];
    samples: number[];
    timeDeltas: number[];
  }
  const where = (cf: CallFrame): { loc: string; src: boolean } => {
    if (cf.url === bundleUrl) {
      const e = map.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number };
      if (e && e.originalSource) {
        const f = e.originalSource.startsWith('file:') ? fileURLToPath(e.originalSource) : resolve(dirname(BUNDLE), e.originalSource);
        return { loc: `${relative(REPO, f)}:${(e.originalLine ?? 0) + 1}`, src: true };
      }
      return { loc: `dist/ulvm.cjs:${cf.lineNumber + 1}`, src: true };
    }
    return { loc: cf.url ? `${cf.url}:${cf.lineNumber + 1}` : '(native/vm)', src: false };
  };
  const ms = (x: number): string => pad(x.toFixed(1), 7);
  for (const tag of ['cli-lvs', 'cli-lvcreate', 'cli-lvremove', 'lib-lvs', 'lib-pair']) {
    const dir = join(PROFILE_DIR, tag);
    const self = new Map<string, number>();
    const incl = new Map<string, number>();
    const perFile = new Map<string, number>();
    let total = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
      const pr = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile;
      const parent = new Map<number, number>();
      for (const x of pr.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
      const keyOf = new Map<number, { key: string; src: boolean; file: string }>();
      for (const x of pr.nodes) {
        const w = where(x.callFrame);
        keyOf.set(x.id, { key: `${x.callFrame.functionName || '(anonymous)'}  ${w.loc}`, src: w.src, file: w.src ? w.loc.replace(/:\d+$/, '') : '(node internals, native, GC)' });
      }
      pr.samples.forEach((id, i) => {
        const dt = (pr.timeDeltas[i] ?? 0) / 1000;
        total += dt;
        const k = keyOf.get(id)!;
        self.set(k.key, (self.get(k.key) ?? 0) + dt);
        perFile.set(k.file, (perFile.get(k.file) ?? 0) + dt);
        const seen = new Set<string>();
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
          const kk = keyOf.get(cur)!;
          if (!kk.src || seen.has(kk.key)) continue;
          seen.add(kk.key);
          incl.set(kk.key, (incl.get(kk.key) ?? 0) + dt);
        }
      });
    }
    const pct = (x: number): string => pad(((100 * x) / total).toFixed(1), 5);
    process.stdout.write(`\nprofile ${tag} at ${n} LVs: ${total.toFixed(0)} ms sampled\n  top self time:\n`);
    for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${ms(v)} ms ${pct(v)}%  ${k}\n`);
    process.stdout.write('  self time by file:\n');
    for (const [k, v] of [...perFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)) process.stdout.write(`  ${ms(v)} ms ${pct(v)}%  ${k}\n`);
    process.stdout.write('  top inclusive time (src functions):\n');
    for (const [k, v] of [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`  ${ms(v)} ms ${pct(v)}%  ${k}\n`);
  }
}

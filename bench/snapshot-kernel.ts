// The kernel anchor for bench/snapshot.ts: the same classic-snapshot scenarios measured in the
// real Linux kernel (dm-snapshot, set up by lvm2) inside ONE libguestfs appliance boot, printed as
// cost ratios beside ulvm's from the same run. The appliance runs under qemu TCG here (no KVM),
// so the kernel's absolute rates are meaningless; only its ratios to its own baseline count.
//
//   npx tsx bench/snapshot.ts --kernel [--quick] [--kernel-runs N] [...]   # ulvm, then the kernel
//   npx tsx bench/snapshot-kernel.ts [--quick] [...]                       # the same thing
//
// I/O inside the appliance is done and timed by a small static C program
// (bench/snapshot-kernel-io.c, built here with `cc -static` and uploaded), so neither process
// start nor guestfish round trips are counted. Needs guestfish (libguestfs-tools) and a C
// compiler with a static libc; without them it prints why and skips. See bench/README.md.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { fmtRate, fmtX, median, pad, padr } from './format.ts';

const MiB = 1024 * 1024;
const HERE = dirname(fileURLToPath(import.meta.url));
const SEED = 0x5eed; // bench/snapshot.ts's OFFSETS seed: the kernel writes the same chunks
const SNAP_COUNTS = [0, 1, 4] as const;
type SnapCount = (typeof SNAP_COUNTS)[number];

/** Seconds for each scenario: what bench/snapshot.ts measures, for ulvm or for the kernel. */
export interface SnapTimes {
  randFirst: ReadonlyMap<number, number>; // 4 KiB random first writes, by snapshot count
  seqWrite: ReadonlyMap<number, number>; // 1 MiB sequential writes, by snapshot count
  rewrite0: number; // the same 4 KiB offsets again, 0 snapshots
  rewrite1: number; // ... with 1 snapshot (chunks already copied)
  randReadOrigin: number;
  randReadSnap: number;
  seqReadOrigin: number;
  seqReadSnap: number;
}

export interface KernelParams {
  originMiB: number;
  writes: number; // distinct 4 KiB chunks
  seqMiB: number;
  runs: number; // repetitions inside the one boot; medians
  keep: boolean;
}

const say = (s: string): void => void process.stdout.write(s);

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** Why the kernel anchor cannot run here, or undefined when it can. */
export function kernelUnavailable(): string | undefined {
  if (!have('guestfish')) return 'guestfish (Debian package libguestfs-tools) is not installed';
  if (!have('cc')) return 'no C compiler (`cc`) to build the in-appliance I/O timer bench/snapshot-kernel-io.c';
  return undefined;
}

// ----- the appliance script ------------------------------------------------------------------------
// One shell script, run by one `debug sh`. Lines it prints: "I key value" (info),
// "T key seconds" (a timed phase), "M key kB" (kernel memory), "ERROR ..." (then exit 1).
function applianceScript(p: KernelParams): string {
  const L: string[] = [
    'S=/sysroot; IO=$S/snapio; LOG=$S/lvm.log; : >$LOG',
    'fail() { echo "ERROR $*"; tail -n 15 $LOG | sed "s/^/ERROR   /"; exit 1; }',
    'lv() { lvm "$@" >>$LOG 2>&1 || fail "lvm $*"; }',
    't() { k=$1; shift; r=$($IO "$@" 2>&1) || fail "snapio $*: $r"; echo "T $k $r"; }',
    // Slab plus vmalloc: where dm-snapshot keeps its exception tables and hash buckets.
    'kmem() { echo "M $1 $(sed -n "s/^\\(Slab\\|VmallocUsed\\): *\\([0-9]*\\) kB/\\2/p" /proc/meminfo | { s=0; while read v; do s=$((s+v)); done; echo $s; })"; }',
    'fresh() { lv lvcreate -y -L ' + p.originMiB + 'M -n lvol0 kvg; i=0; while [ $i -lt $1 ]; do lv lvcreate -y -s -l 100%ORIGIN -n snap$i kvg/lvol0; i=$((i+1)); done; }',
    'check() { a=$(lvm lvs --noheadings -o lv_name,lv_attr,snap_percent kvg 2>/dev/null); case "$a" in *swi-I*) fail "a snapshot overflowed: $a";; esac; echo "I lvs $(echo $a)"; }',
    'gone() { lv lvremove -f -y kvg; }',
    'chmod +x $IO',
    'echo "I kernel $(uname -r)"',
    'echo "I lvm $(lvm version 2>/dev/null | sed -n "s/^ *LVM version: *//p")"',
    'echo "I cpus $(nproc)"',
    'lv pvcreate -y /dev/sda',
    'lv vgcreate kvg /dev/sda',
    'echo "I vg-created $(date +%s%N)"',
  ];
  const O = '/dev/kvg/lvol0';
  const S0 = '/dev/kvg/snap0';
  for (let run = 0; run < p.runs; run++) {
    // Rotate the order per run, as bench/snapshot.ts does.
    const order = SNAP_COUNTS.map((_, i) => SNAP_COUNTS[(i + run) % SNAP_COUNTS.length]!);
    for (const n of order) {
      if (n === 4) L.push(`kmem ${run}.none4`);
      L.push(`fresh ${n}`);
      if (n === 4) L.push(`kmem ${run}.created4`);
      L.push(`t ${run}.rand.first.${n} randwrite ${O} ${p.writes} ${SEED}`);
      if (n === 4) L.push(`kmem ${run}.after4`);
      if (n <= 1) L.push(`t ${run}.rand.rewrite.${n} randwrite ${O} ${p.writes} ${SEED}`);
      if (n === 1) {
        // Alternating origin/snapshot, best of two each (as bench/snapshot.ts's compareReads).
        for (const k of [1, 2]) L.push(`t ${run}.rand.read.origin.${k} randread ${O} ${p.writes} ${SEED}`, `t ${run}.rand.read.snap.${k} randread ${S0} ${p.writes} ${SEED}`);
      }
      L.push('check', 'gone');
    }
    for (const n of order) {
      L.push(`fresh ${n}`, `t ${run}.seq.write.${n} seqwrite ${O} ${p.seqMiB}`);
      if (n === 1) {
        for (const k of [1, 2]) L.push(`t ${run}.seq.read.origin.${k} seqread ${O} ${p.seqMiB}`, `t ${run}.seq.read.snap.${k} seqread ${S0} ${p.seqMiB}`);
      }
      L.push('check', 'gone');
    }
    L.push(`echo "I run-done $(date +%s%N)"`);
  }
  L.push('echo "I end $(date +%s%N)"');
  return L.join('\n') + '\n';
}

interface KernelResult {
  times: SnapTimes;
  info: Map<string, string>;
  kmemCreateKiB: number; // median growth of Slab+VmallocUsed from creating the origin and 4 snapshots
  kmemWritesKiB: number; // ... over the random first writes with 4 snapshots
  applianceSecs: number; // the whole guestfish run, boot included
  inGuestSecs: number; // from VG creation to the end of the script
  qemuMaxRssKiB?: number;
}

function runKernel(p: KernelParams): KernelResult {
  const work = mkdtempSync(join(tmpdir(), 'ulvm-bench-ksnap-'));
  try {
    // The static I/O timer.
    const io = join(work, 'snapio');
    const cc = spawnSync('cc', ['-O2', '-static', '-o', io, join(HERE, 'snapshot-kernel-io.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Skip(`\`cc -static\` failed to build bench/snapshot-kernel-io.c (a static libc, e.g. Debian libc6-dev, is needed):\n${cc.stderr}`);

    // The scratch disk: origin plus four 100%ORIGIN snapshots (lvm2 rounds each up for the
    // exception metadata), written out in full so that no scenario pays for the host file
    // system allocating blocks of a sparse file.
    const diskMiB = Math.ceil(p.originMiB * 5.25) + 32;
    const disk = join(work, 'kdisk.img');
    const zeros = Buffer.alloc(MiB);
    const fd = openSync(disk, 'w');
    for (let i = 0; i < diskMiB; i++) writeSync(fd, zeros);
    closeSync(fd);
    const script = join(work, 'run.sh');
    writeFileSync(script, applianceScript(p));

    const fish = [
      `add-drive-opts ${disk} format:raw`,
      'add-drive-scratch 16M', // /dev/sdb: a file system to upload the timer and script to
      'run',
      'mkfs ext2 /dev/sdb',
      'mount /dev/sdb /',
      `upload ${io} /snapio`,
      `upload ${script} /run.sh`,
      'debug sh "sh /sysroot/run.sh 2>&1"',
    ].join('\n');
    const useTime = existsSync('/usr/bin/time');
    const [cmd, args] = useTime ? ['/usr/bin/time', ['-f', 'ULVM-BENCH-MAXRSS %M', 'guestfish']] : ['guestfish', []];
    const t0 = performance.now();
    const r = spawnSync(cmd, args as string[], {
      input: fish,
      encoding: 'utf8',
      env: { ...process.env, LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg', LIBGUESTFS_BACKEND: 'direct' },
      timeout: 3600_000,
      maxBuffer: 64 * MiB,
    });
    const applianceSecs = (performance.now() - t0) / 1000;
    const out = (r.stdout ?? '').split('\n');
    const errLines = out.filter((l) => l.startsWith('ERROR'));
    if (r.status !== 0 || errLines.length) {
      throw new Error(`the appliance run failed (status ${r.status ?? r.signal}):\n${[...errLines, r.stderr ?? ''].join('\n')}`);
    }
    const rss = /ULVM-BENCH-MAXRSS (\d+)/.exec(r.stderr ?? '');

    const info = new Map<string, string>();
    const T = new Map<string, number>();
    const M = new Map<string, number>();
    for (const l of out) {
      const m = /^([ITM]) (\S+) ?(.*)$/.exec(l);
      if (!m) continue;
      if (m[1] === 'I') info.set(m[2]!, m[3]!);
      else (m[1] === 'T' ? T : M).set(m[2]!, Number(m[3]));
    }
    const runs = Array.from({ length: p.runs }, (_, i) => i);
    const get = (key: string): number => {
      const v = T.get(key);
      if (v === undefined || !Number.isFinite(v)) throw new Error(`the appliance printed no time for ${key}`);
      return v;
    };
    const med = (f: (run: number) => number): number => median(runs.map(f));
    const best = (run: number, what: string): number => Math.min(get(`${run}.${what}.1`), get(`${run}.${what}.2`));
    const times: SnapTimes = {
      randFirst: new Map(SNAP_COUNTS.map((n: SnapCount) => [n, med((i) => get(`${i}.rand.first.${n}`))])),
      seqWrite: new Map(SNAP_COUNTS.map((n: SnapCount) => [n, med((i) => get(`${i}.seq.write.${n}`))])),
      rewrite0: med((i) => get(`${i}.rand.rewrite.0`)),
      rewrite1: med((i) => get(`${i}.rand.rewrite.1`)),
      randReadOrigin: med((i) => best(i, 'rand.read.origin')),
      randReadSnap: med((i) => best(i, 'rand.read.snap')),
      seqReadOrigin: med((i) => best(i, 'seq.read.origin')),
      seqReadSnap: med((i) => best(i, 'seq.read.snap')),
    };
    const kmem = (i: number, from: string, to: string): number => (M.get(`${i}.${to}`) ?? NaN) - (M.get(`${i}.${from}`) ?? NaN);
    const kmemCreateKiB = med((i) => kmem(i, 'none4', 'created4'));
    const kmemWritesKiB = med((i) => kmem(i, 'created4', 'after4'));
    const ns = (k: string): number => Number(info.get(k) ?? NaN);
    const result: KernelResult = { times, info, kmemCreateKiB, kmemWritesKiB, applianceSecs, inGuestSecs: (ns('end') - ns('vg-created')) / 1e9 };
    if (rss) result.qemuMaxRssKiB = Number(rss[1]);
    return result;
  } finally {
    if (p.keep) say(`Kernel scratch directory kept: ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

class Skip extends Error {}

// ----- report --------------------------------------------------------------------------------------
/** Runs the kernel scenarios in one appliance boot and prints their ratios beside ulvm's. */
export function kernelAnchor(p: KernelParams, ulvm: SnapTimes): void {
  if (!(Number.isInteger(p.runs) && p.runs >= 1)) throw new Error('--kernel-runs must be a positive integer');
  say(
    `\nKernel anchor: the same scenarios in the real kernel (dm-snapshot via lvm2) in one libguestfs appliance boot\n` +
      `  origin ${p.originMiB} MiB, chunk 4 KiB, COW 100%ORIGIN, ${p.writes} x 4 KiB random first writes (same offsets), ` +
      `${p.seqMiB} x 1 MiB sequential, O_DIRECT, queue depth 1, ${p.runs} run(s) (median)\n`,
  );
  const why = kernelUnavailable();
  if (why) {
    say(`  SKIPPED: ${why}.\n`);
    return;
  }
  say(`  booting the appliance under qemu TCG; this takes a few minutes ...\n`);
  let k: KernelResult;
  try {
    k = runKernel(p);
  } catch (e) {
    if (e instanceof Skip) {
      say(`  SKIPPED: ${e.message}\n`);
      return;
    }
    throw e;
  }
  const kt = k.times;
  say(
    `  kernel ${k.info.get('kernel') ?? '?'}, lvm2 ${k.info.get('lvm') ?? '?'}, ${k.info.get('cpus') ?? '?'} vCPU; ` +
      `appliance run ${k.applianceSecs.toFixed(0)} s (${k.inGuestSecs.toFixed(0)} s in the guest after boot)\n` +
      `  NOTE: qemu TCG emulates the guest CPU, so the kernel's absolute rates below are meaningless (they are not\n` +
      `  the kernel's speed, nor comparable to ulvm's); compare the cost ratios, each relative to its own baseline row.\n` +
      `  Even those lean toward CPU work: guest code runs emulated, many times slower, while the disk I/O that qemu\n` +
      `  does on the host (flushes included) runs at host speed.\n`,
  );

  // cost = time relative to the baseline row (0 snapshots / origin read), as in ulvm's table.
  type Row = [string, number, number, string, number]; // label, ulvm cost, kernel cost, unit, kernel rate
  const rows: Row[] = [];
  const iops = (s: number): number => p.writes / s;
  const mibs = (s: number): number => p.seqMiB / s;
  for (const n of SNAP_COUNTS) {
    rows.push([`4 KiB random first write, ${n} snap`, ulvm.randFirst.get(n)! / ulvm.randFirst.get(0)!, kt.randFirst.get(n)! / kt.randFirst.get(0)!, 'IOPS', iops(kt.randFirst.get(n)!)]);
  }
  for (const n of SNAP_COUNTS) {
    rows.push([`1 MiB sequential write, ${n} snap`, ulvm.seqWrite.get(n)! / ulvm.seqWrite.get(0)!, kt.seqWrite.get(n)! / kt.seqWrite.get(0)!, 'MiB/s', mibs(kt.seqWrite.get(n)!)]);
  }
  rows.push(['4 KiB random rewrite (copied), 0 snap', 1, 1, 'IOPS', iops(kt.rewrite0)]);
  rows.push(['4 KiB random rewrite (copied), 1 snap', ulvm.rewrite1 / ulvm.rewrite0, kt.rewrite1 / kt.rewrite0, 'IOPS', iops(kt.rewrite1)]);
  rows.push(['4 KiB random read, origin', 1, 1, 'IOPS', iops(kt.randReadOrigin)]);
  rows.push(['4 KiB random read, snapshot', ulvm.randReadSnap / ulvm.randReadOrigin, kt.randReadSnap / kt.randReadOrigin, 'IOPS', iops(kt.randReadSnap)]);
  rows.push(['1 MiB sequential read, origin', 1, 1, 'MiB/s', mibs(kt.seqReadOrigin)]);
  rows.push(['1 MiB sequential read, snapshot', ulvm.seqReadSnap / ulvm.seqReadOrigin, kt.seqReadSnap / kt.seqReadOrigin, 'MiB/s', mibs(kt.seqReadSnap)]);

  const header = ['scenario (cost = time vs baseline row)', 'ulvm cost', 'kernel cost', 'ulvm/kernel', 'kernel rate (TCG)'];
  const cells = rows.map(([label, u, kc, unit, rate]) => [label, fmtX(u), fmtX(kc), fmtX(u / kc), `${fmtRate(rate)} ${unit}`]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i === 0 ? padr(v, widths[i]!) : pad(v, widths[i]!))).join('  ');
  say(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const [i, c] of cells.entries()) {
    if (i === 3 || i === 6 || i === 8) say('\n');
    say(`${line(c)}\n`);
  }

  // The goals, read off both: ulvm's own verdicts are in the table above this section.
  const goal = (text: string, u: number, kc: number): void => say(`  ${padr(text, 62)} ulvm ${pad(fmtX(u), 7)}   kernel ${pad(fmtX(kc), 7)}\n`);
  say('\nThe goals\' ratios, ulvm beside the kernel:\n');
  goal('first write, 1 snap / 0 snap (4 KiB random)', ulvm.randFirst.get(1)! / ulvm.randFirst.get(0)!, kt.randFirst.get(1)! / kt.randFirst.get(0)!);
  goal('first write, 1 snap / 0 snap (1 MiB sequential)', ulvm.seqWrite.get(1)! / ulvm.seqWrite.get(0)!, kt.seqWrite.get(1)! / kt.seqWrite.get(0)!);
  goal('rewrite of copied chunks, 1 snap / 0 snap', ulvm.rewrite1 / ulvm.rewrite0, kt.rewrite1 / kt.rewrite0);
  goal('4 snaps / 1 snap (4 KiB random)', ulvm.randFirst.get(4)! / ulvm.randFirst.get(1)!, kt.randFirst.get(4)! / kt.randFirst.get(1)!);
  goal('4 snaps / 1 snap (1 MiB sequential)', ulvm.seqWrite.get(4)! / ulvm.seqWrite.get(1)!, kt.seqWrite.get(4)! / kt.seqWrite.get(1)!);

  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const kib = (v: number): string => (Number.isFinite(v) ? `${v < 0 ? '' : '+'}${v} KiB` : '-');
  say(
    `\nPeak RSS: ${maxRssMiB.toFixed(1)} MiB (this process, process.resourceUsage().maxRSS)` +
      (k.qemuMaxRssKiB !== undefined ? `; appliance (qemu, whole VM) ${(k.qemuMaxRssKiB / 1024).toFixed(0)} MiB (/usr/bin/time -f %M)` : '') +
      `\nGuest kernel memory (Slab+VmallocUsed in /proc/meminfo, median): ${kib(k.kmemCreateKiB)} creating the origin and 4 snapshots, ` +
      `${kib(k.kmemWritesKiB)} over the ${p.writes} random first writes with them\n`,
  );
}

// ----- standalone ----------------------------------------------------------------------------------
// `npx tsx bench/snapshot-kernel.ts [options]` is `npx tsx bench/snapshot.ts --kernel [options]`:
// ulvm's scenarios first, then the kernel's, so both sets of ratios come from the same run.
const invoked = process.argv[1];
if (invoked !== undefined && import.meta.url === pathToFileURL(resolve(invoked)).href) {
  const why = kernelUnavailable();
  if (why) {
    say(`snapshot-kernel: SKIPPED: ${why}.\n`);
    process.exit(0);
  }
  if (!process.argv.includes('--kernel')) process.argv.push('--kernel');
  // Not awaited: this module must finish evaluating before snapshot.ts imports it back.
  import('./snapshot.ts').catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}

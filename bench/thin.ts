// Thin provisioning benchmark: ulvm's in-process activation engine on sparse image files in a temp
// dir. Writes to a thin LV where the pool has to provision blocks first (unprovisioned) and where
// they are already mapped (provisioned), against the same writes to a linear LV on the same PV;
// first writes after a thin snapshot (sharing broken); thin snapshot creation on a fully mapped
// volume; the changed-blocks query against thin_delta on the same metadata. Peak memory at the
// end. A benchmark, not a test: it never fails on a goal.
//
//   npx tsx bench/thin.ts [--quick] [--depth N] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sparseFile } from '../test/helpers/files.ts';
import { runCommand } from '../src/cli/main.ts';
import { BufferIo } from '../src/ops/io.ts';
import { fileOpener } from '../src/devices/file.ts';
import { ActivationEngine } from '../src/activation/engine.ts';
import { scanDevices } from '../src/metadata/scan.ts';
import { mapLvRange } from '../src/mapper/extent-map.ts';
import { lvExtents } from '../src/model/types.ts';
import { fmtRate, fmtX, pad, padr } from './format.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const argv = process.argv.slice(2);
const flag = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
};
if (argv.includes('--help')) {
  process.stdout.write('usage: npx tsx bench/thin.ts [--quick] [--depth N] [--keep]\n');
  process.exit(0);
}
const QUICK = argv.includes('--quick');
const KEEP = argv.includes('--keep');
const DEPTH = Number(flag('depth', '16'));
const THIN_MIB = QUICK ? 256 : 1024;
const RANDOM_WRITES = QUICK ? 8000 : 20000;
/** Provisioned rows: rounds alternating linear and thin, the median shown (one round is noisy). */
const ROUNDS = 3;
const SEQ_MIB = QUICK ? 64 : 256;
const BLOCK = 64 * KiB;
const GOALS = { provisioned: 0.8, unprovisioned: 0.5, snapshotMs: 50 };

const WORK = mkdtempSync(join(tmpdir(), 'ulvm-bench-thin-'));
process.on('exit', () => {
  if (!KEEP) rmSync(WORK, { recursive: true, force: true });
});
const DATA = randomFillSync(new Uint8Array(MiB));

async function setup() {
  const dir = join(WORK, 'vg');
  mkdirSync(dir);
  const disk = sparseFile(join(dir, 'disk.img'), (THIN_MIB * 3 + SEQ_MIB + 256) * MiB);
  const engine = new ActivationEngine(fileOpener);
  const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), TZ: 'UTC' };
  const ulvm = async (cmd: string, ...args: string[]): Promise<string> => {
    const io = new BufferIo();
    const rc = await runCommand(cmd, [...args, '--devices', disk], { io, env, uid: 0, cwd: dir, opener: fileOpener, activator: engine });
    if (rc !== 0) throw new Error(`ulvm ${cmd} ${args.join(' ')} failed (rc ${rc}): ${io.stderr}`);
    return io.stdout;
  };
  await ulvm('pvcreate', disk);
  await ulvm('vgcreate', 'vg', disk);
  await ulvm('lvcreate', '-L', `${THIN_MIB}M`, '-n', 'linear', 'vg');
  // Room for the thin LV whole twice: after the snapshot every block it rewrites is copied.
  await ulvm('lvcreate', '-T', '-L', `${2 * THIN_MIB + 64}M`, '-Zn', 'vg/pool');
  await ulvm('lvcreate', '-V', `${THIN_MIB}M`, '-T', 'vg/pool', '-n', 'thin');
  return { engine, ulvm, disk };
}

function offsets(count: number, span: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push((x % (span / (4 * KiB))) * 4 * KiB);
  }
  return out;
}

type Dev = { write(o: number, d: Uint8Array): Promise<void>; flush(): Promise<void> };

/** 4 KiB writes at the offsets, DEPTH in flight; MB/s. */
async function randomRate(dev: Dev, offs: number[]): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < offs.length) {
      const o = offs[next++]!;
      await dev.write(o, DATA.subarray(o % MiB, (o % MiB) + 4 * KiB));
    }
  };
  await Promise.all(Array.from({ length: DEPTH }, worker));
  await dev.flush();
  return (offs.length * 4 * KiB) / MiB / ((performance.now() - t0) / 1000);
}

async function seqRate(dev: Dev, from: number, mib: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < mib; i++) await dev.write(from + i * MiB, DATA);
  await dev.flush();
  return mib / ((performance.now() - t0) / 1000);
}

const rows: [string, string, string, string][] = [];
const row = (what: string, ulvm: string, anchor: string, ratio: string) => rows.push([what, ulvm, anchor, ratio]);

const s = await setup();
const linear = s.engine.device('vg', 'linear')!;
const thin = s.engine.device('vg', 'thin')!;
const offs = offsets(RANDOM_WRITES, THIN_MIB * MiB, 7);

// Unprovisioned: every 4 KiB write lands in a block the pool has not mapped yet (mostly).
const lin1 = await randomRate(linear, offs);
const thinNew = await randomRate(thin, offs);
row('4 KiB random, unprovisioned (MB/s)', fmtRate(thinNew), fmtRate(lin1), fmtX(thinNew / lin1));
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const linR: number[] = [];
const thinR: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  linR.push(await randomRate(linear, offs));
  thinR.push(await randomRate(thin, offs));
}
row('4 KiB random, provisioned (MB/s, median)', fmtRate(med(thinR)), fmtRate(med(linR)), fmtX(med(thinR) / med(linR)));
const seqFrom = Math.floor(THIN_MIB / 2) * MiB - SEQ_MIB * MiB;
const seqL1 = await seqRate(linear, seqFrom, SEQ_MIB);
const seqT1 = await seqRate(thin, seqFrom, SEQ_MIB);
row('1 MiB sequential, unprovisioned (MB/s)', fmtRate(seqT1), fmtRate(seqL1), fmtX(seqT1 / seqL1));
const seqL: number[] = [];
const seqT: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  seqL.push(await seqRate(linear, seqFrom, SEQ_MIB));
  seqT.push(await seqRate(thin, seqFrom, SEQ_MIB));
}
row('1 MiB sequential, provisioned (MB/s, median)', fmtRate(med(seqT)), fmtRate(med(seqL)), fmtX(med(seqT) / med(seqL)));

// Fill the whole thin LV, so the snapshot is of a fully mapped volume.
for (let at = 0; at < THIN_MIB * MiB; at += MiB) await thin.write(at, DATA);
await thin.flush();
const t0 = performance.now();
await s.ulvm('lvcreate', '-s', '-n', 'snap', 'vg/thin');
const snapMs = performance.now() - t0;
row(`thin snapshot of ${THIN_MIB} MiB fully mapped (ms, whole lvcreate)`, snapMs.toFixed(1), `< ${GOALS.snapshotMs}`, '');

// First writes after the snapshot: every block is shared, so each write copies its block first.
const offs2 = offsets(RANDOM_WRITES, THIN_MIB * MiB, 11);
const lin3 = await randomRate(linear, offs2);
const thinShared = await randomRate(thin, offs2);
row('4 KiB random, first write after snapshot (MB/s)', fmtRate(thinShared), fmtRate(lin3), fmtX(thinShared / lin3));

// Changed blocks: ulvm's query against thin_delta on the same metadata.
const t1 = performance.now();
const f = scanDevices(fileOpener, [s.disk]).get('vg')!;
const ids = (n: string) => (f.vg.lvs.find((l) => l.name === n)!.segments[0] as { deviceId: number }).deviceId;
const q = await s.engine.thinChangedBlocks('vg', 'pool', ids('snap'), ids('thin'));
const qMs = performance.now() - t1;
const changed = q.runs.reduce((n, r) => n + r.length, 0);
await s.ulvm('vgchange', '-an', 'vg');
let deltaMs = NaN;
if (spawnSync('sh', ['-c', 'command -v thin_delta']).status === 0) {
  const tmeta = f.vg.lvs.find((l) => l.name === 'pool_tmeta')!;
  const bytes = new Uint8Array(lvExtents(tmeta) * f.vg.extentSize * 512);
  const dev = fileOpener.open(s.disk, false);
  let at = 0;
  for (const p of mapLvRange(f.vg, tmeta, 0, bytes.length)) {
    bytes.set(dev.read(p.offset, p.length), at);
    at += p.length;
  }
  dev.close();
  const meta = join(WORK, 'tmeta');
  writeFileSync(meta, bytes);
  const t2 = performance.now();
  spawnSync('thin_delta', ['--snap1', String(ids('snap')), '--snap2', String(ids('thin')), meta], { encoding: 'utf8' });
  deltaMs = performance.now() - t2;
}
row(`changed blocks, ${changed} of ${(THIN_MIB * MiB) / BLOCK} blocks (ms)`, qMs.toFixed(1), Number.isNaN(deltaMs) ? 'n/a' : deltaMs.toFixed(1), Number.isNaN(deltaMs) ? '' : fmtX(deltaMs / qMs));

const widths = [50, 10, 12, 8];
process.stdout.write(`thin benchmark: ${THIN_MIB} MiB thin LV, 64 KiB blocks, -Zn, depth ${DEPTH}, load ${loadavg()[0]!.toFixed(2)}\n`);
process.stdout.write(`${padr('', widths[0]!)}${pad('ulvm', widths[1]!)}${pad('anchor', widths[2]!)}${pad('ratio', widths[3]!)}\n`);
for (const r of rows) process.stdout.write(`${padr(r[0], widths[0]!)}${pad(r[1], widths[1]!)}${pad(r[2], widths[2]!)}${pad(r[3], widths[3]!)}\n`);
process.stdout.write(`anchors: linear LV on the same PV for writes; thin_delta 0.9.0 (a whole process) for changed blocks\n`);
process.stdout.write(`goals: provisioned >= ${GOALS.provisioned}x linear, unprovisioned >= ${GOALS.unprovisioned}x, snapshot < ${GOALS.snapshotMs} ms\n`);
process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
await s.engine.closeAll();

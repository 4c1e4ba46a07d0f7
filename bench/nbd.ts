// NBD and FUSE data-path benchmark: fio against ulvm's export of a linear LV and against
// `nbdkit file` serving a file of the same size on the same disk, in the same run; plus the
// LV's file in ulvm's FUSE device tree with fio's psync engine. Prints MiB/s, IOPS, ratios, and
// the daemon's peak memory. Run as root (FUSE): node --import tsx bench/nbd.ts [--seconds 5]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('..', import.meta.url).pathname;
const BIN = join(REPO, 'bin', 'ulvm');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : dflt;
};
const SECONDS = Number(arg('seconds', '5'));
const SIZE_MIB = 512;

for (const c of ['fio', 'nbdkit']) if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) throw new Error(`${c} is not installed (Debian: fio, nbdkit)`);
if (!existsSync(join(REPO, 'dist', 'ulvm.cjs'))) execFileSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'ulvm-bench-nbd-'));
const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
const ulvm = (...a: string[]) => execFileSync(process.execPath, [BIN, ...a], { env, encoding: 'utf8' });
const file = (name: string, mib: number) => {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, mib * 1024 * 1024);
  closeSync(fd);
  return p;
};
let nbdkit: ReturnType<typeof spawn> | undefined;
const cleanup = () => {
  nbdkit?.kill();
  try {
    ulvm('daemon', 'stop');
  } catch {
    /* not running */
  }
  spawnSync('umount', ['-l', join(dir, 'run', 'dev')]);
  rmSync(dir, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

try {
  const pv = file('pv.img', SIZE_MIB + 8);
  const raw = file('raw.img', SIZE_MIB);
  ulvm('pvcreate', pv);
  ulvm('vgcreate', 'vgb', pv);
  ulvm('lvcreate', '-L', `${SIZE_MIB}M`, '-n', 'lin', 'vgb');
  const ulvmSock = join(dir, 'run', 'nbd.sock');
  const kitSock = join(dir, 'nbdkit.sock');
  nbdkit = spawn('nbdkit', ['-f', '-U', kitSock, 'file', raw], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(kitSock); i++) spawnSync('sleep', ['0.05']);

  interface Job {
    name: string;
    rw: string;
    bs: string;
  }
  const jobs: Job[] = [
    { name: 'seq read 1M', rw: 'read', bs: '1M' },
    { name: 'seq write 1M', rw: 'write', bs: '1M' },
    { name: 'rand read 4K', rw: 'randread', bs: '4k' },
    { name: 'rand write 4K', rw: 'randwrite', bs: '4k' },
  ];
  const fio = (job: Job, target: string[]): { mib: number; iops: number } => {
    const out = execFileSync('fio', ['--name=b', `--rw=${job.rw}`, `--bs=${job.bs}`, '--iodepth=16', `--size=${SIZE_MIB}M`, `--runtime=${SECONDS}`, '--time_based', '--output-format=json', ...target], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const j = JSON.parse(out.slice(out.indexOf('{'))) as { jobs: { read: { bw: number; iops: number }; write: { bw: number; iops: number } }[] };
    const side = job.rw.includes('read') ? j.jobs[0]!.read : j.jobs[0]!.write;
    return { mib: side.bw / 1024, iops: side.iops };
  };
  const nbd = (sock: string, name: string) => ['--ioengine=nbd', `--uri=nbd+unix:///${name}?socket=${sock}`];
  const tree = join(dir, 'run', 'dev', 'vgb', 'lin');
  const pad = (s: string, n: number) => s.padStart(n);
  console.log(`ulvm NBD/FUSE benchmark: ${SIZE_MIB} MiB linear LV vs nbdkit file (same size, same disk), fio iodepth 16, ${SECONDS} s per job; node ${process.version}`);
  console.log(`${'job'.padEnd(16)}${pad('nbdkit MiB/s', 14)}${pad('ulvm MiB/s', 12)}${pad('ratio', 8)}${pad('nbdkit IOPS', 13)}${pad('ulvm IOPS', 11)}${existsSync(tree) ? pad('FUSE MiB/s', 12) + pad('FUSE/NBD', 10) : ''}`);
  for (const job of jobs) {
    const k = fio(job, nbd(kitSock, ''));
    const u = fio(job, nbd(ulvmSock, 'vgb/lin'));
    let fuse = '';
    if (existsSync(tree) && job.bs === '1M') {
      const f = fio(job, ['--ioengine=psync', `--filename=${tree}`, '--iodepth=1']);
      fuse = pad(f.mib.toFixed(1), 12) + pad((f.mib / u.mib).toFixed(2) + 'x', 10);
    }
    console.log(`${job.name.padEnd(16)}${pad(k.mib.toFixed(1), 14)}${pad(u.mib.toFixed(1), 12)}${pad((u.mib / k.mib).toFixed(2) + 'x', 8)}${pad(k.iops.toFixed(0), 13)}${pad(u.iops.toFixed(0), 11)}${fuse}`);
  }
  const pid = readFileSync(join(dir, 'run', 'daemon.pid'), 'utf8').trim();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  console.log(`ulvm daemon peak RSS: ${(Number(hwm) / 1024).toFixed(1)} MiB`);
  console.log('goals (issue): >= 1.0x nbdkit sequential, >= 0.7x on 4 KiB random, FUSE sequential >= 0.5x of NBD');
} finally {
  cleanup();
}

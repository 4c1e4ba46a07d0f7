#!/usr/bin/env node
// Runs lvm2 2.03.16's own test scripts (test/shell/*.sh of its Debian source package) against
// ulvm: fetch.sh gets them and lays out the harness, this runs a list of them, a timeout each,
// a few at a time, and reports each one. A test passes only when lvm2's script ran to its end
// (exit 0) with its own checks; 200 is the suite's own "skipped".
//
//   node test/lvm2-suite/run.mjs [--jobs N] [--timeout SECONDS] [--list FILE] [--keep] [NAME...]
//   (--keep leaves each test's dir: its TESTDIR, devices and ulvm run dir)
//
// Exits 0 whatever the tests did: the results are reported, not yet gating. Only a broken
// runner (no source, no harness, no ulvm) exits non-zero.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const SKIPPED = 200;

function parseArgs(argv) {
  const o = { jobs: 2, timeout: 180, list: join(HERE, 'in-scope.txt'), keep: false, names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (a === '--timeout') o.timeout = Number(argv[++i]);
    else if (a === '--list') o.list = resolve(argv[++i]);
    else if (a === '--keep') o.keep = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else o.names.push(a.replace(/^shell\//, '').replace(/\.sh$/, ''));
  }
  if (!(o.jobs >= 1) || !(o.timeout > 0)) throw new Error('--jobs and --timeout take positive numbers');
  return o;
}

/** Test names of a list file: one a line, the first word; blank lines and # comments ignored. */
export function readList(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().split(/\s+/)[0])
    .filter((n) => n);
}

function die(msg) {
  process.stderr.write(`lvm2-suite: ${msg}\n`);
  process.exit(2);
}

function prepare(harnessDir) {
  const build = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) die('node scripts/build.mjs failed');
  const fetch = spawnSync('sh', [join(HERE, 'fetch.sh'), harnessDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (fetch.status !== 0) die(`fetch.sh failed:\n${fetch.stderr.split('\n').slice(-20).join('\n')}`);
  const harness = fetch.stdout.trim().split('\n').pop();
  if (!harness || !existsSync(join(harness, 'lib', 'inittest'))) die(`fetch.sh gave no harness (${harness})`);
  return harness;
}

/** The names the harness runs through lib/ulvm-cmd, each linked to bin/ulvm (which acts as the command it is run as). */
function makeLinks(harness, dir) {
  mkdirSync(dir, { recursive: true });
  const lib = join(harness, 'lib');
  for (const f of readdirSync(lib)) {
    let target;
    try {
      target = readlinkSync(join(lib, f));
    } catch {
      continue;
    }
    if (target === 'ulvm-cmd') symlinkSync(join(REPO, 'bin', 'ulvm'), join(dir, f));
  }
}

/** Why a skipped test skipped: "TEST SKIPPED: why", else what ran just before its bare `skip`. */
function skipReason(log) {
  const m = log.split('\n').find((l) => l.startsWith('TEST SKIPPED:'));
  const why = m?.slice('TEST SKIPPED:'.length).trim();
  if (why) return why;
  const lines = log.split('\n');
  const end = lines.findIndex((l) => /^## - (shell\/|\/)/.test(l));
  const at = end >= 0 ? lines[end].replace(/^## - /, '') : '';
  const before = lines
    .slice(0, end < 0 ? lines.length : end)
    .filter((l) => l.trim() && !l.startsWith('#') && !l.startsWith('set +vx'))
    .slice(-2)
    .map((l) => l.trim());
  return `${before.join(' / ')}${at ? ` (${at})` : ''}` || 'skipped by the test';
}

/** The lines that say why a test failed: the commands and output before the suite's STACKTRACE. */
function failureLines(log, n = 6) {
  const lines = log.split('\n');
  let end = lines.findIndex((l) => l.startsWith('set +vx; STACKTRACE'));
  const at = lines.find((l) => /^## - shell\//.test(l));
  if (end < 0) end = lines.length;
  const before = lines
    .slice(0, end)
    .filter((l) => l.trim() && !l.startsWith('#'))
    .slice(-n);
  return [...before, ...(at ? [at.replace(/^## - /, 'at ')] : [])].map((l) => `    ${l}`).join('\n');
}

/** The PVs' loop devices a test left attached (the harness lists them in $LVM_TEST_DIR/LOOPS). */
function detachLoops(list) {
  if (!existsSync(list)) return;
  for (const loop of readFileSync(list, 'utf8').split('\n').filter((l) => l.startsWith('/dev/loop'))) spawnSync('losetup', ['-d', loop], { stdio: 'ignore' });
}

function runOne(harness, links, root, name, timeoutSec, keep) {
  return new Promise((done) => {
    const script = join(harness, 'shell', `${name}.sh`);
    if (!existsSync(script)) {
      done({ name, result: 'SKIP', why: 'no such test in lvm2 2.03.16' });
      return;
    }
    const dir = join(root, name);
    const runDir = join(dir, 'run');
    mkdirSync(runDir, { recursive: true });
    const logFile = join(root, 'logs', `${name}.log`);
    const out = createWriteStream(logFile);
    const env = {
      ...process.env,
      PATH: `${join(harness, 'lib')}:${process.env.PATH}`,
      ULVM_SUITE_LINKS: links,
      ULVM_RUN_DIR: runDir,
      LVM_TEST_DIR: dir,
      LVM_TEST_FLAVOUR: 'ndev-vanilla',
      LVM_TEST_PARALLEL: '1',
      LANG: 'C',
      LC_ALL: 'C',
    };
    delete env.ULVM_SYSTEM_DIR;
    const t0 = Date.now();
    const child = spawn('bash', [`shell/${name}.sh`], { cwd: harness, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutSec * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      out.end(() => {
        const secs = Math.round((Date.now() - t0) / 1000);
        // the suite's teardown stops the daemon; this is for a test that never got there
        spawnSync(join(links, 'ulvm'), ['daemon', 'stop', '--force'], { env: { ...env, ULVM_SYSTEM_DIR: join(dir, 'etc') }, stdio: 'ignore', timeout: 30000 });
        detachLoops(join(dir, 'LOOPS'));
        if (!keep) rmSync(dir, { recursive: true, force: true });
        const log = readFileSync(logFile, 'utf8');
        if (timedOut) done({ name, result: 'FAIL', secs, why: `timed out after ${timeoutSec}s\n${failureLines(log)}` });
        else if (code === 0) done({ name, result: 'PASS', secs });
        else if (code === SKIPPED) done({ name, result: 'SKIP', secs, why: skipReason(log) });
        else done({ name, result: 'FAIL', secs, why: `exit ${code ?? signal}\n${failureLines(log)}` });
      });
    });
  });
}

function report(r) {
  if (r.result === 'PASS') return `PASS ${r.name} (${r.secs}s)`;
  if (r.result === 'SKIP') return `SKIP ${r.name}: ${r.why}`;
  return `FAIL ${r.name} (${r.secs}s): ${r.why}`;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const names = o.names.length ? o.names : readList(o.list);
  const root = join(process.env.ULVM_LVM2_SUITE_CACHE || join(process.env.XDG_CACHE_HOME || '/tmp', 'ulvm-lvm2-suite'), `run-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'logs'), { recursive: true });
  const harness = prepare(join(root, 'harness'));
  const links = join(root, 'links');
  makeLinks(harness, links);
  process.stdout.write(`lvm2 2.03.16 suite on ulvm: ${names.length} tests, ${o.jobs} at a time, ${o.timeout}s each; logs in ${join(root, 'logs')}\n`);

  const t0 = Date.now();
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const r = await runOne(harness, links, root, names[next++], o.timeout, o.keep);
      results.push(r);
      process.stdout.write(`${report(r)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, names.length) }, worker));

  const count = (k) => results.filter((r) => r.result === k).length;
  const summary = `${count('PASS')} pass, ${count('FAIL')} fail, ${count('SKIP')} skip in ${Math.round((Date.now() - t0) / 1000)} s`;
  if (!o.keep) for (const d of ['harness', 'links']) rmSync(join(root, d), { recursive: true, force: true });
  writeFileSync(join(root, 'results.txt'), `${results.map((r) => `${r.result} ${r.name}`).sort().join('\n')}\n${summary}\n`);
  process.stdout.write(`${summary}\n`);
}

main().catch((e) => die(e && e.stack ? e.stack : String(e)));

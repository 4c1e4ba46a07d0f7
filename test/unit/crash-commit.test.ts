// Crash consistency of metadata commits: every command is cut after each of its device writes
// (and, separately, with its k-th write torn in half), then the disks are read back. ulvm must see
// the VG exactly as before the command or exactly as after it, never a mix and never an error;
// a sample of the cut states is also shown to real lvm2 (vgck, vgs) through loop devices.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import type { DeviceOpener } from '../../src/devices/device.ts';
import { FaultOpener, type TearMode } from '../helpers/fault-opener.ts';
import { scanDevices, type Scan } from '../../src/metadata/scan.ts';
import type { VolumeGroup } from '../../src/model/types.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labSkipReason } from '../helpers/lab.ts';

const DISK_SIZE = 32 * 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(64 * 1024);
const CHUNK = 64 * 1024;
const PATHS = ['/dev/crash1', '/dev/crash2', '/dev/crash3'];


/** Non-zero 64 KiB chunks of every disk. */
type Image = Map<string, Map<number, Uint8Array>>;

function snapshot(disks: MemoryDisks): Image {
  const img: Image = new Map();
  for (const [path, d] of disks.disks) {
    const chunks = new Map<number, Uint8Array>();
    for (let i = 0; i < d.size / CHUNK; i++) {
      const c = d.read(i * CHUNK, CHUNK);
      if (!Buffer.from(c.buffer, c.byteOffset, c.byteLength).equals(ZERO_CHUNK)) chunks.set(i, c);
    }
    img.set(path, chunks);
  }
  return img;
}

function restore(img: Image): MemoryDisks {
  const disks = new MemoryDisks();
  for (const [path, chunks] of img) {
    const d = disks.add(path, DISK_SIZE);
    for (const [i, c] of chunks) d.write(i * CHUNK, c);
  }
  return disks;
}

interface Env {
  dir: string;
  now: number;
}

async function ulvm(env: Env, opener: DeviceOpener, cmd: string, args: string[]): Promise<{ rc: number; out: string; err: string }> {
  const io = new BufferIo('');
  const rc = await runCommand(cmd, [...args, '--devices', PATHS.join(',')], {
    io,
    env: { ULVM_SYSTEM_DIR: join(env.dir, 'sys'), ULVM_RUN_DIR: join(env.dir, 'run'), TZ: 'UTC' },
    uid: 0,
    cwd: env.dir,
    opener,
    now: () => env.now,
  });
  return { rc, out: io.stdout, err: io.stderr };
}

interface Scenario {
  name: string;
  setup: [string, string[]][];
  command: [string, string[]];
  /** VG names that may exist before/after the command. */
  names: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'vgcreate on two PVs',
    setup: [['pvcreate', [PATHS[0]!, PATHS[1]!]]],
    command: ['vgcreate', ['vg', PATHS[0]!, PATHS[1]!]],
    names: ['vg'],
  },
  {
    name: 'lvcreate spanning two PVs',
    setup: [
      ['pvcreate', [PATHS[0]!, PATHS[1]!]],
      ['vgcreate', ['vg', PATHS[0]!, PATHS[1]!]],
      ['lvcreate', ['-n', 'a', '-L', '8M', 'vg']],
    ],
    command: ['lvcreate', ['-n', 'lv1', '-L', '24M', 'vg']],
    names: ['vg'],
  },
  {
    name: 'lvextend onto the second PV',
    setup: [
      ['pvcreate', ['--pvmetadatacopies', '2', PATHS[0]!]],
      ['pvcreate', [PATHS[1]!]],
      ['vgcreate', ['vg', PATHS[0]!, PATHS[1]!]],
      ['lvcreate', ['-n', 'lv1', '-L', '8M', 'vg', PATHS[0]!]],
    ],
    command: ['lvextend', ['-L', '+8M', 'vg/lv1', PATHS[1]!]],
    names: ['vg'],
  },
  {
    name: 'vgextend with two PVs',
    setup: [
      ['pvcreate', [PATHS[0]!, PATHS[1]!]],
      ['pvcreate', ['--pvmetadatacopies', '2', PATHS[2]!]],
      ['vgcreate', ['vg', PATHS[0]!]],
      ['lvcreate', ['-n', 'lv1', '-L', '4M', 'vg']],
    ],
    command: ['vgextend', ['vg', PATHS[1]!, PATHS[2]!]],
    names: ['vg'],
  },
  {
    name: 'vgrename of a two-PV VG',
    setup: [
      ['pvcreate', [PATHS[0]!, PATHS[1]!]],
      ['vgcreate', ['vg', PATHS[0]!, PATHS[1]!]],
      ['lvcreate', ['-n', 'lv1', '-L', '4M', 'vg']],
    ],
    command: ['vgrename', ['vg', 'renamed']],
    names: ['vg', 'renamed'],
  },
];

/** A VG's content without what differs between two runs of the same command (fresh random ids). */
function normalise(vg: VolumeGroup): string {
  return JSON.stringify({ ...vg, id: '', lvs: vg.lvs.map((l) => ({ ...l, id: '' })) });
}

/** What the scan shows of the scenario's VGs: name, seqno and content, or 'absent'. */
function observed(scan: Scan, names: string[]): { name: string; seqno: number; content: string } | 'absent' | string {
  const found = names.filter((n) => scan.get(n));
  if (found.length === 0) return 'absent';
  if (found.length > 1) return `mix: several names visible at once: ${found.join(', ')}`;
  const f = scan.get(found[0]!)!;
  return { name: f.vg.name, seqno: f.vg.seqno, content: normalise(f.vg) };
}

interface CutResult {
  k: number;
  tear: TearMode;
  state: 'old' | 'new' | 'lost';
  image: Image;
  name?: string;
  seqno?: number;
  tornSize?: number;
  /** The metadata areas disagree (some old, some new copies): the cut fell between two commit writes. */
  mixedOnDisk: boolean;
}

async function runScenario(t: TestContext, sc: Scenario): Promise<{ results: CutResult[]; n: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-crash-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env: Env = { dir, now: 1_700_000_000 };
  const base = new MemoryDisks();
  for (const p of PATHS) base.add(p, DISK_SIZE);
  for (const [cmd, args] of sc.setup) {
    const r = await ulvm(env, base, cmd, args);
    assert.equal(r.rc, 0, `setup ${cmd} ${args.join(' ')}: ${r.err}`);
  }
  const before = snapshot(base);
  const oldView = observed(scanDevices(base, PATHS), sc.names);
  env.now += 60;
  // Reference run: how many writes, and what "after" looks like.
  const refDisks = restore(before);
  const counter = new FaultOpener(refDisks);
  const ref = await ulvm(env, counter, sc.command[0], sc.command[1]);
  assert.equal(ref.rc, 0, `${sc.command[0]}: ${ref.err}`);
  const n = counter.writes;
  assert.ok(n > 0);
  const newView = observed(scanDevices(refDisks, PATHS), sc.names);
  assert.notDeepEqual(newView, oldView);
  assert.equal(typeof newView, 'object');

  const results: CutResult[] = [];
  const variants: [number, TearMode][] = [];
  for (let k = 0; k <= n; k++) variants.push([k, 'none']);
  for (let k = 0; k < n; k++) variants.push([k, 'half']);
  for (let k = 0; k < n; k++) variants.push([k, 'sector']);
  for (const [k, tear] of variants) {
    const disks = restore(before);
    const r = await ulvm(env, new FaultOpener(disks, k, tear), sc.command[0], sc.command[1]);
    const where = `${sc.name}: cut after ${k}/${n} writes${tear !== 'none' ? ` (write ${k + 1} of ${counter.sizes[k]} bytes torn: ${tear})` : ''}`;
    if (k < n) assert.notEqual(r.rc, 0, `${where}: the command did not notice the failure`);
    else assert.equal(r.rc, 0, `${where}: ${r.err}`);
    let scan: Scan;
    try {
      scan = scanDevices(disks, PATHS);
    } catch (e) {
      assert.fail(`${where}: scanning threw ${(e as Error).stack}`);
    }
    assert.deepEqual(scan.problems, [], `${where}: VG-level problems`);
    const view = observed(scan, sc.names);
    const torn = tear !== 'none' ? counter.sizes[k] : undefined;
    let state: CutResult['state'];
    if (JSON.stringify(view) === JSON.stringify(oldView)) state = 'old';
    else if (JSON.stringify(view) === JSON.stringify(newView)) state = 'new';
    else if (view === 'absent' && tear === 'sector' && torn === 512) state = 'lost';
    else assert.fail(`${where}: neither the old nor the new VG:\n${JSON.stringify(view)}\nold: ${JSON.stringify(oldView)}\nnew: ${JSON.stringify(newView)}`);
    // Every labelled PV is still a PV (a cut never loses a label).
    if (tear !== 'sector') for (const d of scan.devices) if (before.get(d.path)!.size > 0) assert.ok(d.label, `${where}: ${d.path} lost its PV label`);
    const mixedOnDisk = sc.names.some((nm) => scan.get(nm)?.inconsistent === true);
    const res: CutResult = { k, tear, state, image: snapshot(disks), mixedOnDisk };
    if (typeof view === 'object') {
      res.name = view.name;
      res.seqno = view.seqno;
    }
    if (torn !== undefined) res.tornSize = torn;
    results.push(res);
    // ulvm can carry on from the cut state.
    if (typeof view === 'object') {
      const f = await ulvm(env, disks, 'lvcreate', ['-n', 'after', '-L', '4M', view.name]);
      assert.equal(f.rc, 0, `${where}: lvcreate after the cut failed: ${f.err}`);
      const again = scanDevices(disks, PATHS).get(view.name);
      assert.ok(again && !again.inconsistent && again.vg.seqno === view.seqno + 1, `${where}: follow-up commit not clean`);
    }
  }
  return { results, n };
}

const lvm2Skip = labSkipReason();

/** Shows cut states to real lvm2 through three loop devices. */
class Lvm2Checker {
  private shown = new Map<number, Set<number>>();
  constructor(private readonly lab: Lab) {}
  load(img: Image): void {
    PATHS.forEach((p, i) => {
      const chunks = img.get(p)!;
      const prev = this.shown.get(i) ?? new Set<number>();
      const zero = new Uint8Array(CHUNK);
      for (const c of new Set([...prev, ...chunks.keys()])) this.lab.writeDevice(i, c * CHUNK, chunks.get(c) ?? zero);
      this.shown.set(i, new Set(chunks.keys()));
    });
  }
}

for (const sc of SCENARIOS) {
  test(`crash consistency: ${sc.name}`, { timeout: 120_000 }, async (t) => {
    const { results, n } = await runScenario(t, sc);
    const olds = results.filter((r) => r.state === 'old').length;
    const lost = results.filter((r) => r.state === 'lost');
    t.diagnostic(`${n} writes; ${results.length} cut states: ${olds} old, ${results.length - olds - lost.length} new, ${lost.length} lost to a sub-sector tear (${lost.map((r) => `k=${r.k}`).join(' ')})`);
    // Within lvm2's atomicity model (whole sectors), nothing is ever lost.
    assert.ok(results.every((r) => r.tear === 'sector' || r.state !== 'lost'));
    // Sanity: early cuts leave the old VG, the full run the new one.
    assert.equal(results[0]!.state, 'old');
    assert.equal(results.find((r) => r.k === n && r.tear === 'none')!.state, 'new');

    await t.test('real lvm2 agrees on a sample of cut states', { skip: lvm2Skip }, async (t2) => {
      const lab = Lab.create(t2, 3, DISK_SIZE / 1024 / 1024);
      const checker = new Lvm2Checker(lab);
      // The last old state and the first new one of each variant, the very first and the complete run.
      const sample = new Set<CutResult>([results[0]!, results.find((r) => r.k === n && r.tear === 'none')!]);
      for (const tear of ['none', 'half', 'sector'] as const) {
        const v = results.filter((r) => r.tear === tear);
        const firstNew = v.findIndex((r) => r.state === 'new');
        if (firstNew > 0) sample.add(v[firstNew - 1]!);
        if (firstNew >= 0) sample.add(v[firstNew]!);
      }
      for (const r of sample) {
        checker.load(r.image);
        const where = `${sc.name}: k=${r.k} tear=${r.tear} (${r.state})`;
        const vgs = lab.lvm('vgs', ['--noheadings', '-o', 'vg_name,vg_seqno']);
        const listed = vgs.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/).join(' '))
          .filter((l) => l);
        if (r.state === 'lost') {
          t2.diagnostic(`${where}: lvm2 vgs on a sub-sector-torn state: ${vgs.stdout.trim()} ${vgs.stderr.trim()}`);
          continue;
        }
        if (r.name === undefined) {
          assert.deepEqual(listed, [], `${where}: lvm2 sees a VG ulvm does not: ${vgs.stdout}`);
          continue;
        }
        const ulvmSees = `${r.name} ${r.seqno}`;
        if (listed.length === 1 && listed[0] !== ulvmSees && r.mixedOnDisk && sc.names.length > 1) {
          // lvm2 2.03.16 cannot settle a half-written rename itself (duplicate VGID, lvmcache internal
          // errors) and falls back to the old name; it must still be a whole state, the old one.
          const old = results.find((x) => x.k === 0 && x.tear === 'none')!;
          assert.deepEqual(listed, [`${old.name} ${old.seqno}`], `${where}: lvm2 vgs: ${vgs.stdout}${vgs.stderr}`);
          t2.diagnostic(`${where}: ulvm sees ${ulvmSees}, lvm2 sees ${listed[0]} (half-renamed VG): ${vgs.stderr.trim().split('\n').join(' | ')}`);
          continue;
        }
        assert.deepEqual(listed, [ulvmSees], `${where}: lvm2 vgs: ${vgs.stdout}${vgs.stderr}`);
        const ck = lab.lvm('vgck', [r.name]);
        assert.equal(ck.rc, 0, `${where}: lvm2 vgck rc ${ck.rc}: ${ck.stderr}`);
        if (ck.stderr) t2.diagnostic(`${where}: vgck said: ${ck.stderr.trim()}`);
      }
    });
  });
}

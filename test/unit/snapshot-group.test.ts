// Consistency groups through the library (in-process activation on memory disks): two classic and
// two thin origins snapshotted at one instant while a writer keeps writing a step counter to all
// four in lock-step. Every snapshot must show the same step (the consistency proof), the group
// is one metadata commit (plus the COW stores' and the pool's bookkeeping ones), the writer's
// longest wait is the hold and stays under 50 ms, and refusals leave the VG's metadata as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Session, MemoryDisks, UlvmError, BufferIo, runCommand } from '../../src/index.ts';
import type { BlockHandle } from '../../src/api/block-handle.ts';
import type { GroupMember, SnapshotGroupResult } from '../../src/ops/snapshot-group.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { ActivationError, type Activator } from '../../src/activation/activator.ts';

const MiB = 1024 * 1024;
const BLOCK = 4096;
const NOW = 1_700_000_000;

async function lab(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-group-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 96 * MiB);
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, now: () => NOW, activation: 'in-process' });
  t.after(() => s.close());
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'a', size: '8m' });
  await s.createLv({ vg: 'vg', name: 'b', size: '8m' });
  await s.createThinPool({ vg: 'vg', name: 'pool', size: '24m' });
  await s.createThin({ vg: 'vg', pool: 'pool', name: 't1', virtualSize: 8 * MiB });
  await s.createThin({ vg: 'vg', pool: 'pool', name: 't2', virtualSize: 8 * MiB });
  /** The VG's metadata as vgcfgbackup writes it, without the lines that say when. */
  const metadata = async () => {
    const file = join(dir, `cfg-${performance.now()}`);
    const io = new BufferIo('');
    const rc = await runCommand('vgcfgbackup', ['--devices', '/dev/mema', '-f', file, 'vg'], { io, env: { ULVM_SYSTEM_DIR: join(dir, 'etc'), ULVM_RUN_DIR: join(dir, 'run') }, uid: 0, cwd: dir, opener: disks, activator: s.activator, now: () => NOW });
    assert.equal(rc, 0, io.stderr);
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => !/^(#|contents|description|creation_time)/.test(l))
      .join('\n');
  };
  const seqno = async () => (await s.listVgs()).find((v) => v.name === 'vg')!.seqno;
  return { s, dir, metadata, seqno };
}

const stepBlock = (n: number) => {
  const b = new Uint8Array(BLOCK);
  new DataView(b.buffer).setUint32(0, n, true);
  b.fill(n & 255, 4);
  return b;
};
const stepOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

const members: GroupMember[] = [
  { origin: 'a', name: 'a_snap', kind: 'cow', size: { sectors: 4 * 2048 } },
  { origin: 'b', name: 'b_snap', kind: 'cow', size: { extents: 1 } },
  { origin: 't1', name: 't1_snap', kind: 'thin' },
  { origin: 't2', name: 't2_snap', kind: 'thin' },
];

test('a group of two classic and two thin snapshots shares one instant under a lock-step writer', async (t) => {
  const { s, seqno } = await lab(t);
  const names = ['a', 'b', 't1', 't2'];
  const handles: BlockHandle[] = [];
  for (const n of names) handles.push(await s.open(`vg/${n}`));
  t.after(async () => {
    for (const h of handles) await h.close();
  });
  // The writer: step n goes to every origin (at block 0, and at block 1 + n mod 64), then step
  // n+1. The memory disks answer at once, so the writer and the group's operation interleave as
  // promise continuations: the writer only rarely gives the event loop a turn (timers the
  // operation may wait for), so it keeps writing all through the group's call.
  let step = 0;
  let longest = 0;
  const before = await seqno();
  let group: Promise<void> | undefined;
  let r: SnapshotGroupResult | undefined;
  let failed: unknown;
  let startStep = 0;
  let endStep = 0;
  let duringSteps = 0;
  for (;;) {
    step++;
    const t0 = performance.now();
    const blk = stepBlock(step);
    // All eight writes of a step are issued at once: the hold comes before or after all of them.
    await Promise.all(handles.flatMap((h) => [h.write(0, blk), h.write((step % 64) * BLOCK + BLOCK, blk)]));
    if (group && !endStep) {
      longest = Math.max(longest, performance.now() - t0);
      duringSteps++;
    }
    if (step === 50) {
      startStep = step;
      group = s.createSnapshotGroup({ vg: 'vg', members, tags: ['backup'] }).then(
        (x) => {
          r = x;
          endStep = step;
        },
        (e) => {
          failed = e;
          endStep = step;
        },
      );
    }
    if (endStep && step >= endStep + 20) break;
    if (!group || step % 16 === 0) await new Promise((res) => setImmediate(res));
  }
  await group;
  if (failed) throw failed;
  assert.ok(r);
  const during = longest;
  assert.ok(duringSteps >= 1, `the writer kept writing during the group's call (${duringSteps} steps)`);

  assert.deepEqual(r.snapshots.map((x) => [x.origin, x.name, x.kind]), members.map((m) => [m.origin, m.name, m.kind]));
  for (const x of r.snapshots) assert.match(x.id, /^[A-Za-z0-9]{32}$/);
  // One commit for the COW stores, one for the group, one clearing the pool's sent messages.
  assert.equal((await seqno()) - before, 3);
  const lvs = await s.listLvs('vg');
  for (const m of members) {
    const lv = lvs.find((l) => l.name === m.name);
    assert.ok(lv, `${m.name} exists`);
    assert.equal(lv.origin, m.origin);
    assert.deepEqual(lv.tags, ['backup']);
  }
  // The consistency proof: every snapshot holds the same step, one the writer had finished.
  const seen: number[] = [];
  for (const m of members) {
    const h = await s.open(`vg/${m.name}`);
    seen.push(stepOf(await h.read(0, BLOCK)));
    // The step's second copy agrees: the snapshot is the whole step, not a torn one.
    const n = seen.at(-1)!;
    assert.equal(stepOf(await h.read((n % 64) * BLOCK + BLOCK, BLOCK)), n, `${m.name}: the copy of step ${n}`);
    await h.close();
  }
  assert.equal(new Set(seen).size, 1, `one instant for all: ${seen.join(', ')}`);
  assert.ok(seen[0]! >= startStep && seen[0]! <= endStep, `the instant lies within the group's call (step ${seen[0]} of ${startStep}…${endStep})`);
  // The origins went on: they are past the instant.
  for (const h of handles) assert.ok(stepOf(await h.read(0, BLOCK)) > seen[0]!);
  // The hold as the writer felt it, and as the group measured it.
  assert.ok(r.holdMs > 0 && r.holdMs < 50, `holdMs ${r.holdMs}`);
  assert.ok(during < 50, `the writer waited at most ${during.toFixed(1)} ms`);
  assert.deepEqual(r.frozen, []);
  t.diagnostic(`hold ${r.holdMs.toFixed(2)} ms; longest write at the writer ${during.toFixed(2)} ms; instant at step ${seen[0]}`);
});

test('refused groups change nothing: names, origins, kinds, duplicates, space', async (t) => {
  const { s, metadata } = await lab(t);
  const before = await metadata();
  const refused = async (ms: GroupMember[], code: string, text: RegExp) => {
    await assert.rejects(s.createSnapshotGroup({ vg: 'vg', members: ms }), (e: unknown) => {
      assert.ok(e instanceof UlvmError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, text);
      return true;
    });
    assert.equal(await metadata(), before, `after ${text}`);
  };
  const cowA: GroupMember = { origin: 'a', name: 'sa', kind: 'cow', size: { extents: 2 } };
  await refused([cowA, { origin: 't1', name: 'b', kind: 'thin' }], 'INVALID_NAME', /Logical Volume "b" already exists in volume group "vg"/);
  await refused([cowA, { origin: 'nope', name: 'sn', kind: 'cow', size: { extents: 2 } }], 'LV_NOT_FOUND', /Snapshot origin LV nope not found/);
  await refused([cowA, { origin: 't1', name: 'st', kind: 'cow', size: { extents: 2 } }], 'INVALID_ARGUMENT', /classic \(COW\) snapshots of thin volumes/);
  await refused([cowA, { origin: 'b', name: 'sb', kind: 'thin' }], 'INVALID_ARGUMENT', /not a thin volume/);
  await refused([cowA, { origin: 'pool', name: 'sp', kind: 'cow', size: { extents: 2 } }], 'INVALID_ARGUMENT', /thin pool type volumes/);
  await refused([cowA, { origin: 'a', name: 'sa2', kind: 'cow', size: { extents: 2 } }], 'INVALID_ARGUMENT', /in the snapshot group twice/);
  await refused([cowA, { origin: 'b', name: 'sa', kind: 'cow', size: { extents: 2 } }], 'INVALID_ARGUMENT', /used twice/);
  await refused([cowA, { origin: 'b', name: 'sb', kind: 'cow' }], 'INVALID_ARGUMENT', /needs a COW size/);
  // Each COW fits alone; together they do not.
  const ok = await s.createSnapshotGroup({ vg: 'vg', members: [cowA, { origin: 't1', name: 'st', kind: 'thin' }] });
  assert.equal(ok.snapshots.length, 2);
  assert.notEqual(await metadata(), before);
  const free = (await s.listVgs()).find((v) => v.name === 'vg')!.freeExtents;
  await s.createLv({ vg: 'vg', name: 'filler', extents: free - 3 });
  const full = await metadata();
  await assert.rejects(s.createSnapshotGroup({ vg: 'vg', members: [{ origin: 'b', name: 'sb', kind: 'cow', size: { extents: 2 } }, { origin: 'filler', name: 'sf', kind: 'cow', size: { extents: 2 } }] }), (e: unknown) => {
    assert.ok(e instanceof UlvmError && e.code === 'ENOSPC_VG', String(e));
    assert.match(e.message, /Volume group "vg" has insufficient free space \(3 extents\): 4 required\./);
    return true;
  });
  assert.equal(await metadata(), full);
});

test('thin members in two pools: one group commit, and one commit clears both pools’ messages', async (t) => {
  const { s, seqno } = await lab(t);
  await s.createThinPool({ vg: 'vg', name: 'pool2', size: '8m' });
  await s.createThin({ vg: 'vg', pool: 'pool2', name: 'u', virtualSize: 4 * MiB });
  const h = await s.open('vg/u');
  await h.write(0, stepBlock(9));
  const before = await seqno();
  const r = await s.createSnapshotGroup({ vg: 'vg', members: [{ origin: 't1', name: 's1', kind: 'thin' }, { origin: 'u', name: 'su', kind: 'thin' }, { origin: 't2', name: 's2', kind: 'thin' }] });
  // No COW stores: the group's commit and the one clearing the messages of both pools.
  assert.equal((await seqno()) - before, 2);
  assert.deepEqual(r.snapshots.map((x) => x.name), ['s1', 'su', 's2']);
  await h.write(0, stepBlock(10));
  const sh = await s.open('vg/su');
  assert.equal(stepOf(await sh.read(0, BLOCK)), 9);
  await sh.close();
  await h.close();
  const lvs = await s.listLvs('vg');
  assert.deepEqual(['s1', 'su', 's2'].map((n) => lvs.find((l) => l.name === n)?.pool), ['pool', 'pool2', 'pool']);
});

test('a failure after the COW stores were committed takes them away again', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-group-fail-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const disks = new MemoryDisks();
  disks.add('/dev/mema', 64 * MiB);
  const engine = new ActivationEngine(disks);
  t.after(() => engine.closeAll());
  let failHold = false;
  let failActivate = false;
  const activator: Activator = {
    status: () => engine.status(),
    activate: (req) => (failActivate && req.lvNames.includes('sa') ? Promise.reject(new ActivationError('table load refused')) : engine.activate(req)),
    deactivate: (vg, lvs) => engine.deactivate(vg, lvs),
    reload: (vg, devices) => engine.reload(vg, devices),
    merge: (vg, origin, devices, o) => engine.merge(vg, origin, devices, o),
    hold: (vg, lvs) => (failHold ? Promise.reject(new ActivationError('hold refused')) : engine.hold(vg, lvs)),
  };
  const s = new Session({ dir, devices: ['/dev/mema'], opener: disks, activation: activator });
  await s.vgcreate({ name: 'vg', pvs: ['/dev/mema'] });
  await s.createLv({ vg: 'vg', name: 'a', size: '8m' });
  await s.createLv({ vg: 'vg', name: 'b', size: '8m' });
  const members: GroupMember[] = [
    { origin: 'a', name: 'sa', kind: 'cow', size: { extents: 1 } },
    { origin: 'b', name: 'sb', kind: 'cow', size: { extents: 1 } },
  ];
  const shape = async () => {
    const vg = (await s.listVgs())[0]!;
    return { lvs: (await s.listLvs('vg')).map((l) => [l.name, l.attr, l.size]), free: vg.freeExtents, lvCount: vg.lvCount };
  };
  const before = await shape();
  failHold = true;
  await assert.rejects(s.createSnapshotGroup({ vg: 'vg', members }), /hold refused/);
  assert.deepEqual(await shape(), before, 'the plain COW stores went again');
  failHold = false;
  failActivate = true;
  await assert.rejects(s.createSnapshotGroup({ vg: 'vg', members }), /table load refused/);
  assert.deepEqual(await shape(), before, 'the snapshots went again');
  failActivate = false;
  const ok = await s.createSnapshotGroup({ vg: 'vg', members });
  assert.deepEqual(ok.snapshots.map((x) => x.name), ['sa', 'sb']);
  assert.deepEqual((await s.listLvs('vg')).map((l) => l.name).sort(), ['a', 'b', 'sa', 'sb']);
});

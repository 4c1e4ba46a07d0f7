// The tree-walking thin delta against a model: seeded random pools (snapshots of snapshots,
// writes, removes and range removes on both sides) diffed every way the API allows, compared
// with thin_delta's own algorithm run over the model's plain Maps; and proofs that a diff reads
// only the paths that changed, not the device.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { childOf } from '../../src/pdata/btree-diff.ts';
import { deviceRootIn, viewOf } from '../../src/pdata/mapping-view.ts';
import { MetadataSnapshot } from '../../src/pdata/metadata-snapshot.ts';
import { ThinMetadata } from '../../src/pdata/thin-metadata.ts';
import { type DeltaKind, type DeltaRun, type VerboseDeltaRun, changedBlocks, deviceBlocks, thinDelta, thinDeltaVerbose } from '../../src/pdata/thin-delta.ts';

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

type Model = Map<number, Map<number, number>>;

/**
 * thin_delta 0.9.0's algorithm, written out over plain Maps: each side's mappings become runs
 * contiguous in virtual and data blocks, and the two run lists are cut against each other. The
 * verbose output is the pieces; the plain output merges touching pieces of one kind.
 */
function modelDelta(l: Map<number, number>, r: Map<number, number>): { plain: DeltaRun[]; verbose: VerboseDeltaRun[] } {
  const runsOf = (m: Map<number, number>) => {
    const out: { v: number; d: number; len: number }[] = [];
    for (const [v, d] of [...m].sort((a, b) => a[0] - b[0])) {
      const last = out.at(-1);
      if (last && last.v + last.len === v && last.d + last.len === d) last.len++;
      else out.push({ v, d, len: 1 });
    }
    return out;
  };
  const ls = runsOf(l);
  const rs = runsOf(r);
  const verbose: VerboseDeltaRun[] = [];
  const take = (s: typeof ls, n: number) => {
    s[0] = { v: s[0].v + n, d: s[0].d + n, len: s[0].len - n };
    if (s[0].len === 0) s.shift();
  };
  while (ls.length && rs.length) {
    const a = ls[0];
    const b = rs[0];
    if (a.v < b.v) {
      const n = Math.min(a.len, b.v - a.v);
      verbose.push({ kind: 'left_only', begin: a.v, length: n, leftData: a.d });
      take(ls, n);
    } else if (b.v < a.v) {
      const n = Math.min(b.len, a.v - b.v);
      verbose.push({ kind: 'right_only', begin: b.v, length: n, rightData: b.d });
      take(rs, n);
    } else {
      const n = Math.min(a.len, b.len);
      verbose.push({ kind: a.d === b.d ? 'same' : 'different', begin: a.v, length: n, leftData: a.d, rightData: b.d });
      take(ls, n);
      take(rs, n);
    }
  }
  for (const a of ls) verbose.push({ kind: 'left_only', begin: a.v, length: a.len, leftData: a.d });
  for (const b of rs) verbose.push({ kind: 'right_only', begin: b.v, length: b.len, rightData: b.d });
  const plain: DeltaRun[] = [];
  for (const p of verbose) {
    const last = plain.at(-1);
    if (last && last.kind === p.kind && last.begin + last.length === p.begin) last.length += p.length;
    else plain.push({ kind: p.kind, begin: p.begin, length: p.length });
  }
  return { plain, verbose };
}

/** Block by block, straight from the definition of what a backup must copy. */
function modelChanged(l: Map<number, number>, r: Map<number, number>, from: number, to: number, leftBlocks: number): DeltaRun[] {
  const out: DeltaRun[] = [];
  const keys = [...new Set([...l.keys(), ...r.keys()])].filter((v) => v >= from && v < to).sort((a, b) => a - b);
  for (const v of keys) {
    const a = v < leftBlocks ? l.get(v) : undefined;
    const b = r.get(v);
    if (a === b) continue;
    const kind: DeltaKind = a === undefined ? 'right_only' : b === undefined ? 'left_only' : 'different';
    const last = out.at(-1);
    if (last && last.kind === kind && last.begin + last.length === v) last.length++;
    else out.push({ kind, begin: v, length: 1 });
  }
  return out;
}

function treeHeight(md: ThinMetadata, id: number): number {
  const view = viewOf(md);
  let n = view.readNode(deviceRootIn(view, id)!);
  let h = 0;
  for (; !n.leaf; h++) n = view.readNode(childOf(n, 0));
  return h;
}

/** A random pool: thins and snapshots (of snapshots), then random changes on every device. */
function randomPool(seed: number): { md: ThinMetadata; model: Model } {
  const rand = rng(seed);
  const md = ThinMetadata.format(new MemoryDevice('/meta', 32 << 20), { dataBlockSize: 128, nrDataBlocks: 200000, cacheBlocks: 64 });
  const model: Model = new Map();
  const span = [300, 2000, 6000][rand(3)];
  const write = (id: number, v: number) => {
    const d = md.allocDataBlock();
    md.insertMapping(id, v, d);
    model.get(id)!.set(v, d);
  };
  const change = (id: number, ops: number) => {
    for (let i = 0; i < ops; i++) {
      const op = rand(10);
      const v = rand(span);
      if (op < 6) {
        // Runs of neighbouring blocks, so data runs form and break.
        for (let k = 0, n = 1 + rand(6); k < n; k++) write(id, v + k);
      } else if (op < 8) {
        md.removeMapping(id, v);
        model.get(id)!.delete(v);
      } else {
        const end = v + 1 + rand(span >> 3);
        md.removeRange(id, v, end);
        for (const k of [...model.get(id)!.keys()]) if (k >= v && k < end) model.get(id)!.delete(k);
      }
    }
  };
  let next = 0;
  const create = () => {
    md.createThin(next);
    model.set(next, new Map());
    return next++;
  };
  const first = create();
  change(first, 40 + rand(400));
  for (let round = 0; round < 6; round++) {
    const ids = [...model.keys()];
    if (rand(5) === 0) create();
    else {
      const origin = ids[rand(ids.length)];
      md.createSnap(next, origin);
      model.set(next, new Map(model.get(origin)!));
      next++;
    }
    for (const id of model.keys()) if (rand(2)) change(id, rand(60));
    if (rand(2)) md.commit();
  }
  return { md, model };
}

test('seeded random pools: every pair of devices diffs as thin_delta would over the model, plain and verbose, with and without same runs', () => {
  for (let seed = 1; seed <= 24; seed++) {
    const { md, model } = randomPool(seed);
    const ids = [...model.keys()];
    for (const a of ids) {
      for (const b of ids) {
        const want = modelDelta(model.get(a)!, model.get(b)!);
        const msg = `seed ${seed}, ${a} vs ${b}`;
        assert.deepEqual(thinDelta(md, a, b), want.plain, msg);
        assert.deepEqual(thinDeltaVerbose(md, a, b), want.verbose, msg);
        assert.deepEqual(thinDelta(md, a, b, { same: false }), want.plain.filter((r) => r.kind !== 'same'), msg);
        assert.deepEqual(thinDeltaVerbose(md, a, b, { same: false }), want.verbose.filter((r) => r.kind !== 'same'), msg);
      }
    }
  }
});

test('seeded random pools: changed blocks within windows and device sizes (shrunk, grown, partial last block) match the block-by-block definition', () => {
  for (let seed = 100; seed < 116; seed++) {
    const { md, model } = randomPool(seed);
    const rand = rng(seed);
    const ids = [...model.keys()];
    for (let k = 0; k < 30; k++) {
      const a = ids[rand(ids.length)];
      const b = ids[rand(ids.length)];
      const from = rand(3) ? 0 : rand(3000);
      const to = rand(3) ? Infinity : from + rand(4000);
      const leftBlocks = rand(2) ? Infinity : rand(7000);
      const rightBlocks = rand(2) ? Infinity : rand(7000);
      const opts = { fromBlock: from, toBlock: to === Infinity ? undefined : to, leftBlocks: leftBlocks === Infinity ? undefined : leftBlocks, rightBlocks: rightBlocks === Infinity ? undefined : rightBlocks };
      assert.deepEqual(changedBlocks(md, a, b, opts), modelChanged(model.get(a)!, model.get(b)!, from, Math.min(to, rightBlocks), leftBlocks), `seed ${seed}, ${a} vs ${b}, ${JSON.stringify(opts)}`);
    }
  }
});

test('after a shrink the stale mappings past the end are not reported (thin_delta reports them); a grown device reports what it gained', () => {
  const md = ThinMetadata.format(new MemoryDevice('/meta', 8 << 20), { dataBlockSize: 128, nrDataBlocks: 10000 });
  md.createThin(0);
  for (let v = 0; v < 1000; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.createSnap(1, 0);
  // The LV is reduced to 600 blocks: its mappings past 600 stay in the metadata. Then it is written.
  for (const v of [10, 599, 600, 900]) md.insertMapping(0, v, md.allocDataBlock());
  md.removeRange(0, 650, 700);
  assert.deepEqual(
    thinDelta(md, 1, 0, { same: false }),
    [
      { kind: 'different', begin: 10, length: 1 },
      { kind: 'different', begin: 599, length: 2 },
      { kind: 'left_only', begin: 650, length: 50 },
      { kind: 'different', begin: 900, length: 1 },
    ],
    'thin_delta knows no device sizes',
  );
  assert.deepEqual(changedBlocks(md, 1, 0, { leftBlocks: 1000, rightBlocks: 600 }), [
    { kind: 'different', begin: 10, length: 1 },
    { kind: 'different', begin: 599, length: 1 },
  ]);
  // Both snapshots of the reduced LV: neither exposes anything past 600.
  assert.deepEqual(changedBlocks(md, 1, 0, { leftBlocks: 600, rightBlocks: 600 }), changedBlocks(md, 1, 0, { rightBlocks: 600 }));
  // Grown back to 1000: the stale blocks (shared, never written) reappear on the right, which
  // the left (600 blocks) never exposed, so they are new; the discarded ones read as zeros on both.
  const grown = changedBlocks(md, 1, 0, { leftBlocks: 600, rightBlocks: 1000 });
  assert.deepEqual(grown, [
    { kind: 'different', begin: 10, length: 1 },
    { kind: 'different', begin: 599, length: 1 },
    { kind: 'right_only', begin: 600, length: 50 },
    { kind: 'right_only', begin: 700, length: 300 },
  ]);
  // A 1000-block LV whose size is not a whole number of blocks: the partial last block counts.
  assert.equal(deviceBlocks(999 * 128 + 1, 128), 1000);
  md.insertMapping(0, 999, md.allocDataBlock());
  assert.deepEqual(changedBlocks(md, 1, 0, { rightBlocks: deviceBlocks(999 * 128 + 1, 128) }).at(-1), { kind: 'different', begin: 999, length: 1 });
});

/** A fully mapped device of `n` blocks and a snapshot of it, then one block of the snapshot rewritten; reopened with a cold cache. */
function oneChange(n: number): { md: ThinMetadata; dev: MemoryDevice } {
  const dev = new MemoryDevice('/meta', 64 << 20);
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: n + 100 });
  md.createThin(0);
  for (let v = 0; v < n; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.createSnap(1, 0);
  md.insertMapping(1, Math.floor(n / 2) + 7, md.allocDataBlock());
  md.commit();
  return { md: ThinMetadata.open(dev), dev };
}

test('a diff with one changed block reads O(height) blocks, however large the device; same runs need the shared leaves', () => {
  const reads: number[] = [];
  for (const n of [16384, 70000]) {
    const { md, dev } = oneChange(n);
    const height = treeHeight(md, 1);
    md.bm.reads = 0;
    const changed = changedBlocks(md, 0, 1);
    assert.deepEqual(changed, [{ kind: 'different', begin: Math.floor(n / 2) + 7, length: 1 }]);
    // The top-level leaf, then per side the root-to-leaf path that differs and the leftmost path (for the height).
    assert.ok(md.bm.reads <= 1 + 4 * (height + 1), `${n} blocks, height ${height}: ${md.bm.reads} reads`);
    reads.push(md.bm.reads);
    assert.deepEqual(thinDelta(md, 0, 1, { same: false }), changed);
    const cold = ThinMetadata.open(dev);
    const full = thinDelta(cold, 0, 1);
    assert.deepEqual(full.map((r) => r.kind), ['same', 'different', 'same']);
    assert.ok(cold.bm.reads >= n / 252, `same runs read every leaf: ${cold.bm.reads}`);
  }
  // Height 1 for 16384 blocks, 2 for 70000: the cost grows by a level, not with the size.
  assert.ok(reads[1] - reads[0] <= 4, `${reads}`);
});

test('trees of different heights (the snapshot grew past a root split) still skip what they share', () => {
  const dev = new MemoryDevice('/meta', 64 << 20);
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 80000 });
  md.createThin(0);
  for (let v = 0; v < 20000; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.createSnap(1, 0);
  for (let v = 20000; v < 70000; v++) md.insertMapping(1, v, md.allocDataBlock());
  md.insertMapping(1, 5, md.allocDataBlock());
  md.commit();
  const cold = ThinMetadata.open(dev);
  assert.ok(treeHeight(cold, 1) > treeHeight(cold, 0));
  cold.bm.reads = 0;
  const runs = changedBlocks(cold, 0, 1, { toBlock: 20000 });
  assert.deepEqual(runs, [{ kind: 'different', begin: 5, length: 1 }]);
  assert.ok(cold.bm.reads < 20, `${cold.bm.reads} reads`);
  assert.deepEqual(changedBlocks(cold, 0, 1), [{ kind: 'different', begin: 5, length: 1 }, { kind: 'right_only', begin: 20000, length: 50000 }]);
});

test('a held metadata snapshot: diffs see the pool as it was when reserved, while the live pool keeps changing, and nothing is written', () => {
  const dev = new MemoryDevice('/meta', 16 << 20);
  const md = ThinMetadata.format(dev, { dataBlockSize: 128, nrDataBlocks: 10000 });
  md.createThin(0);
  for (let v = 0; v < 3000; v++) md.insertMapping(0, v, md.allocDataBlock());
  md.createSnap(1, 0);
  md.insertMapping(0, 100, md.allocDataBlock());
  md.reserveMetadataSnap();
  const before = changedBlocks(md, 1, 0);
  md.insertMapping(0, 2000, md.allocDataBlock());
  md.removeRange(0, 10, 20);
  md.deleteDevice(1);
  md.createSnap(2, 0);
  const snap = MetadataSnapshot.of(md);
  assert.deepEqual(snap.devices(), [0, 1]);
  assert.equal(snap.deviceDetails(1)?.mappedBlocks, 3000);
  assert.deepEqual(changedBlocks(snap, 1, 0), before);
  assert.deepEqual(before, [{ kind: 'different', begin: 100, length: 1 }]);
  assert.throws(() => thinDelta(snap, 0, 2), /thin device 2 does not exist/);
  // Live: the uncommitted changes are seen; the snapshot's own reader from the device after a commit sees the same as before.
  assert.deepEqual(changedBlocks(md, 2, 0), []);
  md.commit();
  const writes = dev.writes;
  const fromDisk = MetadataSnapshot.open(dev);
  assert.equal(fromDisk.location, md.heldRoot);
  assert.deepEqual(changedBlocks(fromDisk, 1, 0), before);
  assert.deepEqual(thinDelta(fromDisk, 1, 0), thinDelta(snap, 1, 0));
  assert.equal(dev.writes, writes);
  md.releaseMetadataSnap();
  md.commit();
  assert.throws(() => MetadataSnapshot.open(dev), /no pool metadata snapshot is held/);
  assert.throws(() => MetadataSnapshot.of(md), /no pool metadata snapshot is held/);
});

test('a top level of several nodes (300 devices): every device is found, and diffs between far-apart ids are right', () => {
  const md = ThinMetadata.format(new MemoryDevice('/meta', 16 << 20), { dataBlockSize: 128, nrDataBlocks: 20000 });
  const model: Model = new Map();
  md.createThin(0);
  model.set(0, new Map());
  for (let v = 0; v < 500; v++) {
    const d = md.allocDataBlock();
    md.insertMapping(0, v, d);
    model.get(0)!.set(v, d);
  }
  for (let id = 1; id < 300; id++) {
    md.createSnap(id, id - 1);
    const m = new Map(model.get(id - 1)!);
    const d = md.allocDataBlock();
    md.insertMapping(id, (id * 7) % 600, d);
    m.set((id * 7) % 600, d);
    model.set(id, m);
  }
  md.commit();
  const view = viewOf(md);
  assert.ok(!view.readNode(view.mappingRoot).leaf);
  for (const [a, b] of [[0, 299], [299, 0], [150, 151], [37, 263]]) {
    assert.deepEqual(thinDelta(md, a, b), modelDelta(model.get(a)!, model.get(b)!).plain, `${a} vs ${b}`);
  }
  assert.throws(() => changedBlocks(md, 0, 300), /thin device 300 does not exist/);
});

// Btree operations against a Map, with every structural invariant checked after each batch, and
// reference counting of shared subtrees.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryDevice } from '../../src/devices/memory.ts';
import { BlockManager } from '../../src/pdata/block-manager.ts';
import { BLOCK_SIZE } from '../../src/pdata/checksum.ts';
import { Btree, type ValueType, plainValueType } from '../../src/pdata/btree.ts';
import { checkBtree } from '../../src/pdata/btree-check.ts';
import { type MetadataRefCounts, TransactionManager } from '../../src/pdata/transaction-manager.ts';
import { decodeU64, encodeU64 } from '../../src/pdata/thin-values.ts';

/** Reference counts in a Map; freed blocks are not reused (as within one transaction). */
class MapCounts implements MetadataRefCounts {
  counts = new Map<number, number>();
  private next = 1;
  count(b: number): number {
    return this.counts.get(b) ?? 0;
  }
  alloc(): number {
    const b = this.next++;
    this.counts.set(b, 1);
    return b;
  }
  inc(b: number): void {
    this.counts.set(b, this.count(b) + 1);
  }
  dec(b: number): void {
    const c = this.count(b);
    assert.ok(c > 0, `dec of free block ${b}`);
    if (c === 1) this.counts.delete(b);
    else this.counts.set(b, c - 1);
  }
  live(): number {
    return this.counts.size;
  }
}

function setup(valueSize = 8, blocks = 20000) {
  const bm = new BlockManager(new MemoryDevice('/m', blocks * BLOCK_SIZE), 256);
  const tm = new TransactionManager(bm);
  const sm = new MapCounts();
  tm.sm = sm;
  return { tm, sm };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function value(size: number, x: number): Uint8Array {
  const v = new Uint8Array(size);
  new DataView(v.buffer).setUint32(0, x, true);
  return v;
}

function contents(t: Btree, root: number): [number, number][] {
  const out: [number, number][] = [];
  t.walk(root, (k, v) => {
    out.push([k, new DataView(v.buffer, v.byteOffset).getUint32(0, true)]);
  });
  return out;
}

for (const valueSize of [8, 24, 4, 16]) {
  test(`random inserts and removes match a Map, every invariant holds (value size ${valueSize})`, () => {
    const { tm, sm } = setup(valueSize);
    const t = new Btree(tm, plainValueType(valueSize));
    const random = rng(valueSize * 7919);
    let root = t.empty();
    const model = new Map<number, number>();
    const deadline = Date.now() + 2500;
    for (let batch = 0; batch < 40 && Date.now() < deadline; batch++) {
      const removing = batch % 4 === 3 || (batch > 20 && batch % 2 === 1);
      for (let i = 0; i < 300; i++) {
        const k = Math.floor(random() * 5000);
        if (removing) {
          const r = t.remove(root, k);
          root = r.root;
          assert.equal(r.found, model.delete(k));
        } else {
          const x = Math.floor(random() * 1e9);
          const r = t.insert(root, k, value(valueSize, x));
          root = r.root;
          assert.equal(r.inserted, !model.has(k));
          model.set(k, x);
        }
      }
      const checked = checkBtree(tm, root, valueSize);
      assert.equal(checked.entries, model.size);
      assert.equal(sm.live(), checked.nodes.length, 'no leaked or freed-but-used node');
      assert.deepEqual(contents(t, root), [...model].sort((a, b) => a[0] - b[0]));
      for (let probe = 0; probe < 20; probe++) {
        const k = Math.floor(random() * 5000);
        const v = t.lookup(root, k);
        assert.equal(v && new DataView(v.buffer, v.byteOffset).getUint32(0, true), model.get(k));
        const next = [...model.keys()].filter((x) => x >= k).sort((a, b) => a - b)[0];
        assert.equal(t.lookupNext(root, k)?.[0], next);
      }
    }
    // Emptying the tree leaves a single root leaf.
    for (const k of [...model.keys()]) root = t.remove(root, k).root;
    assert.equal(checkBtree(tm, root, valueSize).entries, 0);
    assert.equal(sm.live(), 1);
  });
}

test('sequential inserts split the root beneath and keep every non-root node at least a third full', () => {
  const { tm } = setup(8);
  const t = new Btree(tm, plainValueType(8));
  let root = t.empty();
  for (let k = 0; k < 30000; k++) root = t.insert(root, k, value(8, k)).root;
  const c = checkBtree(tm, root, 8);
  assert.equal(c.entries, 30000);
  assert.ok(c.nodes.length < 30000 / 84 + 10);
  const r = t.removeRange(root, 1000, 29000);
  assert.equal(r.removed, 28000);
  assert.deepEqual(contents(t, r.root).map(([k]) => k), [...Array(1000).keys(), ...Array.from({ length: 1000 }, (_, i) => 29000 + i)]);
  checkBtree(tm, r.root, 8);
});

test('a shared subtree: shadowing it for one owner takes references on its children, delete releases them recursively', () => {
  const { tm, sm } = setup(8);
  const data = new Map<number, number>();
  const dataVt: ValueType = {
    size: 8,
    inc: (v) => void data.set(decodeU64(v), (data.get(decodeU64(v)) ?? 0) + 1),
    dec: (v) => {
      const b = decodeU64(v);
      const c = data.get(b) ?? 0;
      assert.ok(c > 0);
      if (c === 1) data.delete(b);
      else data.set(b, c - 1);
    },
    equal: (a, b) => decodeU64(a) === decodeU64(b),
  };
  const t = new Btree(tm, dataVt);
  let a = t.empty();
  for (let k = 0; k < 1000; k++) {
    data.set(k, 1);
    a = t.insert(a, k, encodeU64(k)).root;
  }
  tm.endTransaction();
  // A snapshot: the same root, one more reference.
  tm.inc(a);
  let b = a;
  assert.equal(sm.count(a), 2);
  data.set(5000, 1);
  b = t.insert(b, 7, encodeU64(5000)).root;
  assert.notEqual(b, a);
  assert.equal(sm.count(a), 1);
  assert.equal(data.get(7), 1, 'overwritten in b, still referenced by a');
  assert.equal(data.get(8), 2, 'the copied leaf references its data blocks too');
  assert.equal(data.get(900), 1, 'leaves off the path stay shared: their data gains no reference');
  assert.equal(sm.count(decodeU64(tm.readNode(a).values.at(-1)!)), 2, 'the untouched last leaf is now shared by both roots');
  assert.deepEqual(contents(t, a).slice(6, 9), [[6, 6], [7, 7], [8, 8]]);
  t.del(a);
  assert.equal(data.get(8), 1);
  assert.equal(data.has(7), false);
  t.del(b);
  assert.equal(data.size, 0);
  assert.equal(sm.live(), 0);
});

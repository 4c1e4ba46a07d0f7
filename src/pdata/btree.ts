// Single-level btrees of persistent-data (dm-btree.c, dm-btree-remove.c): top-down insert with
// pre-emptive splitting and sibling redistribution, top-down remove with rebalancing, whole-tree
// delete honouring shared subtrees. Every node on a modified path is shadowed first; a shadow of a
// shared node takes a reference on each of its children (internal: child blocks; leaf: the value
// type's inc), because the copy and the original now both point at them.
import { type BtreeNode, INTERNAL_NODE, LEAF_NODE, calcMaxEntries, emptyNode, isLeaf, lowerBound } from './btree-node.ts';
import { decodeU64, encodeU64 } from './thin-values.ts';
import type { TransactionManager } from './transaction-manager.ts';
import { btreeNodeValidator } from './validator.ts';

export interface ValueType {
  readonly size: number;
  inc(v: Uint8Array): void;
  dec(v: Uint8Array): void;
  /** Overwriting a value with an "equal" one does not release the old value's reference. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
}

export function plainValueType(size: number): ValueType {
  return { size, inc() {}, dec() {}, equal: () => false };
}

/** A sibling needs this many free slots before an insert redistributes into it (SPACE_THRESHOLD). */
const SPACE_THRESHOLD = 8;

export interface InsertResult {
  root: number;
  /** False when the key existed and its value was overwritten. */
  inserted: boolean;
}

export interface RemoveResult {
  root: number;
  found: boolean;
}

export class Btree {
  constructor(
    readonly tm: TransactionManager,
    readonly vt: ValueType,
  ) {}

  /** A new empty root leaf. */
  empty(): number {
    const b = this.tm.newBlock();
    this.tm.writeNode(b, emptyNode(LEAF_NODE, this.vt.size));
    return b;
  }

  /** The value's bytes are shared with the node cache: read them, never modify them. */
  lookup(root: number, key: number): Uint8Array | undefined {
    let n = this.tm.peekNode(root);
    for (;;) {
      const i = lowerBound(n.keys, key);
      if (i < 0) return undefined;
      if (isLeaf(n)) return n.keys[i] === key ? n.values[i] : undefined;
      n = this.tm.peekNode(decodeU64(n.values[i]));
    }
  }

  /** The entry with the smallest key >= `key`. */
  lookupNext(root: number, key: number): [number, Uint8Array] | undefined {
    const n = this.tm.peekNode(root);
    if (isLeaf(n)) {
      const i = lowerBound(n.keys, key);
      const j = i >= 0 && n.keys[i] === key ? i : i + 1;
      return j < n.keys.length ? [n.keys[j], n.values[j]] : undefined;
    }
    for (let i = Math.max(0, lowerBound(n.keys, key)); i < n.keys.length; i++) {
      const r = this.lookupNext(decodeU64(n.values[i]), key);
      if (r) return r;
    }
    return undefined;
  }

  /** The entry with the largest key, following the rightmost child down. */
  last(root: number): [number, Uint8Array] | undefined {
    let n = this.tm.peekNode(root);
    while (!isLeaf(n)) n = this.tm.peekNode(decodeU64(n.values[n.values.length - 1]));
    return n.keys.length ? [n.keys[n.keys.length - 1], n.values[n.values.length - 1]] : undefined;
  }

  /** Visits every entry in key order; `visit` returning false stops the walk. */
  walk(root: number, visit: (key: number, value: Uint8Array) => boolean | void): boolean {
    const n = this.tm.peekNode(root);
    for (let i = 0; i < n.keys.length; i++) {
      if (isLeaf(n)) {
        if (visit(n.keys[i], n.values[i]) === false) return false;
      } else if (!this.walk(decodeU64(n.values[i]), visit)) return false;
    }
    return true;
  }

  private incChildren(n: BtreeNode): void {
    if (isLeaf(n)) for (const v of n.values) this.vt.inc(v);
    else for (const v of n.values) this.tm.inc(decodeU64(v));
  }

  private shadowNode(b: number): [number, BtreeNode] {
    const s = this.tm.shadow(b, btreeNodeValidator);
    const n = this.tm.readNode(s.block);
    if (s.shared) this.incChildren(n);
    return [s.block, n];
  }

  private newNodeLike(n: BtreeNode): [number, BtreeNode] {
    const b = this.tm.newBlock();
    return [b, { flags: n.flags, blocknr: b, maxEntries: n.maxEntries, valueSize: n.valueSize, keys: [], values: [] }];
  }

  /** Spreads the entries of `nodes` (siblings, left to right) so that node i gets counts[i]. */
  private redistribute(nodes: BtreeNode[], counts: number[]): void {
    const keys = nodes.flatMap((n) => n.keys);
    const values = nodes.flatMap((n) => n.values);
    let at = 0;
    nodes.forEach((n, i) => {
      n.keys = keys.slice(at, at + counts[i]);
      n.values = values.slice(at, at + counts[i]);
      at += counts[i];
    });
  }

  insert(root: number, key: number, value: Uint8Array): InsertResult {
    if (value.length !== this.vt.size) throw new RangeError(`value of ${value.length} bytes for a tree of ${this.vt.size}-byte values`);
    const [rootB, rootN] = this.shadowNode(root);
    if (this.needsSpace(rootN, key)) this.splitBeneath(rootN);
    let b = rootB;
    let n = rootN;
    while (!isLeaf(n)) {
      let i = lowerBound(n.keys, key);
      if (i < 0) {
        // Parent keys are lower bounds: lowering key[0] keeps the new key inside child 0.
        n.keys[0] = key;
        i = 0;
      }
      let [cb, c] = this.shadowNode(decodeU64(n.values[i]));
      n.values[i] = encodeU64(cb);
      if (this.needsSpace(c, key)) {
        this.rebalanceOrSplit(n, i, cb, c);
        i = lowerBound(n.keys, key);
        cb = decodeU64(n.values[i]);
        c = this.tm.readNode(cb);
      }
      this.tm.writeNode(b, n);
      b = cb;
      n = c;
    }
    const i = lowerBound(n.keys, key);
    let inserted = true;
    if (i >= 0 && n.keys[i] === key) {
      if (!this.vt.equal(n.values[i], value)) this.vt.dec(n.values[i]);
      n.values[i] = value.slice();
      inserted = false;
    } else {
      n.keys.splice(i + 1, 0, key);
      n.values.splice(i + 1, 0, value.slice());
    }
    this.tm.writeNode(b, n);
    return { root: rootB, inserted };
  }

  private needsSpace(n: BtreeNode, key: number): boolean {
    if (n.keys.length < n.maxEntries) return false;
    return !(isLeaf(n) && n.keys[lowerBound(n.keys, key)] === key);
  }

  /** The root keeps its block: its entries move into two new children and it becomes internal. */
  private splitBeneath(root: BtreeNode): void {
    const [lb, left] = this.newNodeLike(root);
    const [rb, right] = this.newNodeLike(root);
    const nl = Math.floor(root.keys.length / 2);
    left.keys = root.keys.slice(0, nl);
    left.values = root.values.slice(0, nl);
    right.keys = root.keys.slice(nl);
    right.values = root.values.slice(nl);
    this.tm.writeNode(lb, left);
    this.tm.writeNode(rb, right);
    root.flags = INTERNAL_NODE;
    root.valueSize = 8;
    root.maxEntries = calcMaxEntries(8);
    root.keys = [left.keys[0], right.keys[0]];
    root.values = [encodeU64(lb), encodeU64(rb)];
  }

  /** Makes room in full child i of `parent` (already shadowed as cb/c); writes the children. */
  private rebalanceOrSplit(parent: BtreeNode, i: number, cb: number, c: BtreeNode): void {
    const last = parent.keys.length - 1;
    const leftB = i > 0 ? decodeU64(parent.values[i - 1]) : undefined;
    const rightB = i < last ? decodeU64(parent.values[i + 1]) : undefined;
    const leftShared = leftB !== undefined && this.tm.count(leftB) > 1;
    const rightShared = rightB !== undefined && this.tm.count(rightB) > 1;
    const free = (b: number) => {
      const s = this.tm.peekNode(b);
      return s.maxEntries - s.keys.length;
    };
    if (leftB !== undefined && !leftShared && free(leftB) >= SPACE_THRESHOLD) {
      const [lb, l] = this.shadowNode(leftB);
      parent.values[i - 1] = encodeU64(lb);
      const t = l.keys.length + c.keys.length;
      this.redistribute([l, c], [Math.floor(t / 2), t - Math.floor(t / 2)]);
      parent.keys[i] = c.keys[0];
      this.tm.writeNode(lb, l);
      this.tm.writeNode(cb, c);
      return;
    }
    if (rightB !== undefined && !rightShared && free(rightB) >= SPACE_THRESHOLD) {
      const [rb, r] = this.shadowNode(rightB);
      parent.values[i + 1] = encodeU64(rb);
      const t = c.keys.length + r.keys.length;
      this.redistribute([c, r], [Math.floor(t / 2), t - Math.floor(t / 2)]);
      parent.keys[i + 1] = r.keys[0];
      this.tm.writeNode(cb, c);
      this.tm.writeNode(rb, r);
      return;
    }
    if (leftShared || rightShared || parent.keys.length <= 2 || i === 0 || i === last) {
      const [nb, nn] = this.newNodeLike(c);
      const t = c.keys.length;
      this.redistribute([c, nn], [Math.floor(t / 2), t - Math.floor(t / 2)]);
      parent.keys.splice(i + 1, 0, nn.keys[0]);
      parent.values.splice(i + 1, 0, encodeU64(nb));
      this.tm.writeNode(cb, c);
      this.tm.writeNode(nb, nn);
      return;
    }
    // Two full-ish neighbours become three nodes (split_two_into_three).
    const li = i === 0 ? 0 : i - 1;
    const [lb, l] = li === i ? [cb, c] : this.shadowNode(decodeU64(parent.values[li]));
    const [rb, r] = li === i ? this.shadowNode(decodeU64(parent.values[li + 1])) : [cb, c];
    parent.values[li] = encodeU64(lb);
    parent.values[li + 1] = encodeU64(rb);
    const [mb, m] = this.newNodeLike(c);
    const t = l.keys.length + r.keys.length;
    const nl = Math.floor(t / 3);
    const nm = Math.floor((t - nl) / 2);
    this.redistribute([l, m, r], [nl, nm, t - nl - nm]);
    parent.keys.splice(li + 1, 0, m.keys[0]);
    parent.values.splice(li + 1, 0, encodeU64(mb));
    parent.keys[li + 2] = r.keys[0];
    this.tm.writeNode(lb, l);
    this.tm.writeNode(mb, m);
    this.tm.writeNode(rb, r);
  }

  remove(root: number, key: number): RemoveResult {
    const [rootB, rootN] = this.shadowNode(root);
    let b = rootB;
    let n = rootN;
    for (;;) {
      if (isLeaf(n)) {
        const i = lowerBound(n.keys, key);
        const found = i >= 0 && n.keys[i] === key;
        if (found) {
          this.vt.dec(n.values[i]);
          n.keys.splice(i, 1);
          n.values.splice(i, 1);
        }
        this.tm.writeNode(b, n);
        return { root: rootB, found };
      }
      if (n.keys.length === 1) {
        // Only a root can have one child: pull the child up, and the tree gets one level shorter.
        const childB = decodeU64(n.values[0]);
        const c = this.tm.readNode(childB);
        if (this.tm.count(childB) > 1) this.incChildren(c);
        this.tm.dec(childB);
        n = { ...c, blocknr: b };
        continue;
      }
      let i = lowerBound(n.keys, key);
      if (i < 0) {
        this.tm.writeNode(b, n);
        return { root: rootB, found: false };
      }
      this.rebalanceChildren(n, i);
      i = lowerBound(n.keys, key);
      const [cb, c] = this.shadowNode(decodeU64(n.values[i]));
      n.values[i] = encodeU64(cb);
      this.tm.writeNode(b, n);
      b = cb;
      n = c;
    }
  }

  private rebalanceChildren(n: BtreeNode, i: number): void {
    if (i === 0) this.rebalance2(n, 0);
    else if (i === n.keys.length - 1) this.rebalance2(n, i - 1);
    else this.rebalance3(n, i - 1);
  }

  private shadowChild(parent: BtreeNode, i: number): [number, BtreeNode] {
    const [b, n] = this.shadowNode(decodeU64(parent.values[i]));
    parent.values[i] = encodeU64(b);
    return [b, n];
  }

  private rebalance2(parent: BtreeNode, li: number): void {
    const [lb, l] = this.shadowChild(parent, li);
    const [rb, r] = this.shadowChild(parent, li + 1);
    this.rebalancePair(parent, li, lb, l, rb, r);
  }

  /** __rebalance2: merge two siblings if both are small, else share their entries evenly. */
  private rebalancePair(parent: BtreeNode, li: number, lb: number, l: BtreeNode, rb: number, r: BtreeNode): void {
    const t = l.keys.length + r.keys.length;
    if (t < 2 * (Math.floor(l.maxEntries / 3) + 1)) {
      this.redistribute([l, r], [t, 0]);
      parent.keys.splice(li + 1, 1);
      parent.values.splice(li + 1, 1);
      this.tm.writeNode(lb, l);
      // Its entries moved to the left node, so only the block itself loses its reference.
      this.tm.dec(rb);
      return;
    }
    this.redistribute([l, r], [Math.floor(t / 2), t - Math.floor(t / 2)]);
    parent.keys[li + 1] = r.keys[0];
    this.tm.writeNode(lb, l);
    this.tm.writeNode(rb, r);
  }

  private rebalance3(parent: BtreeNode, li: number): void {
    const [lb, l] = this.shadowChild(parent, li);
    const [cb, c] = this.shadowChild(parent, li + 1);
    const [rb, r] = this.shadowChild(parent, li + 2);
    const t = l.keys.length + c.keys.length + r.keys.length;
    const third = Math.floor(l.maxEntries / 3);
    if (t < 4 * third + 1) {
      // delete_center_node: the centre fills the left node as far as it can, the rest goes to
      // the front of the right one; then the remaining pair is rebalanced.
      const toLeft = Math.min(l.maxEntries - l.keys.length, c.keys.length);
      this.redistribute([l, c, r], [l.keys.length + toLeft, 0, t - l.keys.length - toLeft]);
      parent.keys.splice(li + 1, 1);
      parent.values.splice(li + 1, 1);
      parent.keys[li + 1] = r.keys[0];
      this.tm.dec(cb);
      this.rebalancePair(parent, li, lb, l, rb, r);
      return;
    }
    const nr = Math.floor(t / 3);
    const nl = nr + (t % 3 !== 0 ? 1 : 0);
    this.redistribute([l, c, r], [nl, t - nl - nr, nr]);
    parent.keys[li + 1] = c.keys[0];
    parent.keys[li + 2] = r.keys[0];
    this.tm.writeNode(lb, l);
    this.tm.writeNode(cb, c);
    this.tm.writeNode(rb, r);
  }

  /** Removes every key in [begin, end); returns the new root and how many entries went. */
  removeRange(root: number, begin: number, end: number): { root: number; removed: number } {
    let removed = 0;
    let at = begin;
    for (;;) {
      const next = this.lookupNext(root, at);
      if (!next || next[0] >= end) return { root, removed };
      const r = this.remove(root, next[0]);
      root = r.root;
      removed++;
      at = next[0] + 1;
    }
  }

  /** dm_btree_del: a shared node only loses a reference; an unshared one releases its children. */
  del(root: number): void {
    if (this.tm.count(root) > 1) {
      this.tm.dec(root);
      return;
    }
    const n = this.tm.peekNode(root);
    if (isLeaf(n)) for (const v of n.values) this.vt.dec(v);
    else for (const v of n.values) this.del(decodeU64(v));
    this.tm.dec(root);
  }
}

// Walks two single-level btrees side by side in key order and skips every subtree they share.
// A block reachable from both roots has the same contents in both (blocks are copied, never
// changed in place, while anyone else references them), so a shared subtree is known to be
// equal without reading it: the cost is what differs plus the tree heights, not the key count.
//
// A node's key range comes from its parent: child i holds keys in [key[i], key[i+1]) (the last
// child up to the parent's own bound), since lookups choose children by those keys. Parent keys
// are only lower bounds, so a range may be wider than the keys actually present.
//
// Nodes are read in place, as 32-bit words over the cached block, not decoded into one object
// per value: a diff that reads a thousand leaves would otherwise allocate a quarter of a million
// small buffers and spend its time in GC.
import { BLOCK_SIZE } from './checksum.ts';
import { BtreeNodeError, LEAF_NODE, INTERNAL_NODE } from './btree-node.ts';

/** A btree node with 8-byte values: its block as little-endian 32-bit words. */
export interface DiffNode {
  readonly leaf: boolean;
  readonly nr: number;
  readonly w: Uint32Array;
  /** Word index of value 0 (the values follow all max_entries key slots). */
  readonly vbase: number;
}

export interface NodeReader {
  readNode(b: number): DiffNode;
}

const NODE_HEADER_WORDS = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function words(b: Uint8Array): Uint32Array {
  if (LITTLE_ENDIAN && b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, BLOCK_SIZE / 4);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = new Uint32Array(BLOCK_SIZE / 4);
  for (let i = 0; i < w.length; i++) w[i] = v.getUint32(4 * i, true);
  return w;
}

/**
 * The node checks of decodeNode, for nodes whose values are 8 bytes (every node a diff reads).
 * The words alias the block manager's cached bytes, which nobody changes in place.
 */
export function decodeDiffNode(b: Uint8Array, location: number): DiffNode {
  if (b.length !== BLOCK_SIZE) throw new RangeError(`metadata block ${location} is ${b.length} bytes`);
  const w = words(b);
  const [flags, nr, maxEntries, valueSize] = [w[1], w[4], w[5], w[6]];
  if ((flags & (INTERNAL_NODE | LEAF_NODE)) === 0) throw new BtreeNodeError(`node ${location}: neither internal nor leaf`);
  if (4 * NODE_HEADER_WORDS + (8 + valueSize) * maxEntries > BLOCK_SIZE) throw new BtreeNodeError(`node ${location}: max_entries too large`);
  if (nr > maxEntries) throw new BtreeNodeError(`node ${location}: nr_entries > max_entries`);
  if (valueSize !== 8) throw new BtreeNodeError(`node ${location}: ${valueSize}-byte values where 8 were expected`);
  for (let i = 0; i < nr; i++) {
    const khi = w[NODE_HEADER_WORDS + 2 * i + 1];
    if (khi > 0x1fffff) throw new BtreeNodeError(`node ${location}: key ${BigInt(khi) * 2n ** 32n + BigInt(w[NODE_HEADER_WORDS + 2 * i])} too large`);
  }
  return { leaf: (flags & LEAF_NODE) !== 0, nr, w, vbase: NODE_HEADER_WORDS + 2 * maxEntries };
}

export function keyOf(n: DiffNode, i: number): number {
  return n.w[NODE_HEADER_WORDS + 2 * i + 1] * 2 ** 32 + n.w[NODE_HEADER_WORDS + 2 * i];
}

export function valueLo(n: DiffNode, i: number): number {
  return n.w[n.vbase + 2 * i];
}

export function valueHi(n: DiffNode, i: number): number {
  return n.w[n.vbase + 2 * i + 1];
}

/** The child block an internal node's entry i points to. */
export function childOf(n: DiffNode, i: number): number {
  const hi = valueHi(n, i);
  if (hi > 0x1fffff) throw new RangeError('64-bit value beyond 2^53');
  return hi * 2 ** 32 + valueLo(n, i);
}

/** How a leaf value, given as its two 32-bit halves, becomes what the visitor compares. */
export type Project = (lo: number, hi: number) => number;

export interface DiffVisitor {
  /** A key present on either side (undefined on the side that lacks it), in ascending key order. */
  entry(key: number, left: number | undefined, right: number | undefined): void;
  /**
   * A subtree both sides share, within [lo, hi): its keys (if any) are equal on both sides and
   * no other key of either side lies in that range. Not read unless the visitor walks it.
   */
  shared(block: number, lo: number, hi: number): void;
}

export interface KeyWindow {
  /** Keys below `from` or at or above `to` are neither visited nor read. */
  from: number;
  to: number;
}

interface Frame {
  node: DiffNode;
  i: number;
  hi: number;
  /** Of the node's children: -1 for a leaf's entries. */
  height: number;
}

/** Levels below the root: the leftmost path is as long as any other (btrees are balanced). */
function heightOf(nodes: NodeReader, root: number): number {
  let h = 0;
  for (let n = nodes.readNode(root); !n.leaf && n.nr; n = nodes.readNode(childOf(n, 0))) h++;
  return h;
}

/**
 * One tree's position: the front item is entry `i` of the top frame, a child subtree of an
 * internal node or an entry of a leaf. The root starts as the only child of a one-entry frame.
 */
class Cursor {
  private readonly stack: Frame[];
  top: Frame | undefined;

  constructor(
    private readonly nodes: NodeReader,
    root: number,
    private readonly window: KeyWindow,
  ) {
    // A one-entry internal node (key 0, value the root) standing in for the root's parent.
    const w = new Uint32Array([0, INTERNAL_NODE, 0, 0, 1, 1, 8, 0, 0, 0, root % 2 ** 32, Math.floor(root / 2 ** 32)]);
    this.stack = [{ node: { leaf: false, nr: 1, w, vbase: NODE_HEADER_WORDS + 2 }, i: 0, hi: Infinity, height: heightOf(nodes, root) }];
    this.top = this.stack[0];
    this.settle();
  }

  get isTree(): boolean {
    return !this.top!.node.leaf;
  }

  get key(): number {
    return keyOf(this.top!.node, this.top!.i);
  }

  get block(): number {
    return childOf(this.top!.node, this.top!.i);
  }

  get height(): number {
    return this.top!.height;
  }

  /** The front subtree's key range. */
  get lo(): number {
    return this.key;
  }

  get hi(): number {
    const t = this.top!;
    return t.i + 1 < t.node.nr ? keyOf(t.node, t.i + 1) : t.hi;
  }

  value(project: Project): number {
    return project(valueLo(this.top!.node, this.top!.i), valueHi(this.top!.node, this.top!.i));
  }

  /** Steps past the front item without reading it. */
  skip(): void {
    this.top!.i++;
    this.settle();
  }

  /** Replaces the front subtree by its children (or entries). */
  expand(): void {
    const t = this.top!;
    const hi = this.hi;
    this.top = { node: this.nodes.readNode(this.block), i: 0, hi, height: t.height - 1 };
    this.stack.push(this.top);
    this.settle();
  }

  /** Pops finished frames and skips items wholly before the window; the first item past it ends the walk. */
  settle(): void {
    for (;;) {
      const t = this.top;
      if (!t) return;
      if (t.i >= t.node.nr) {
        this.stack.pop();
        this.top = this.stack.at(-1);
        if (this.top) this.top.i++;
        continue;
      }
      if (this.lo >= this.window.to) {
        this.stack.length = 0;
        this.top = undefined;
        return;
      }
      const end = t.node.leaf ? this.key + 1 : this.hi;
      if (end > this.window.from) return;
      t.i++;
    }
  }
}

/** Visits the difference of the trees at `left` and `right`, restricted to `window`. */
export function diffBtrees(nodes: NodeReader, left: number, right: number, project: Project, visitor: DiffVisitor, window: KeyWindow = { from: 0, to: Infinity }): void {
  const l = new Cursor(nodes, left, window);
  const r = new Cursor(nodes, right, window);
  for (;;) {
    if (!l.top || !r.top) {
      const c = l.top ? l : r.top ? r : undefined;
      if (!c) return;
      if (c.isTree) c.expand();
      else {
        const v = c.value(project);
        if (c === l) visitor.entry(c.key, v, undefined);
        else visitor.entry(c.key, undefined, v);
        c.skip();
      }
      continue;
    }
    if (l.isTree && r.isTree) {
      if (l.block === r.block) {
        visitor.shared(l.block, Math.max(l.lo, r.lo, window.from), Math.min(l.hi, r.hi, window.to));
        l.skip();
        r.skip();
      } else if (l.height > r.height) l.expand();
      else if (r.height > l.height) r.expand();
      else {
        l.expand();
        r.expand();
      }
      continue;
    }
    if (l.isTree) l.expand();
    else if (r.isTree) r.expand();
    else mergeLeaves(l.top, r.top, project, visitor, window.to);
    l.settle();
    r.settle();
  }
}

/**
 * Both fronts are leaf entries: merges the two leaves from there until either runs out (or
 * reaches the window's end), as one tight loop, since this is where a diff spends its time.
 */
function mergeLeaves(lf: Frame, rf: Frame, project: Project, visitor: DiffVisitor, to: number): void {
  const ln = lf.node;
  const rn = rf.node;
  let i = lf.i;
  let j = rf.i;
  while (i < ln.nr && j < rn.nr) {
    const a = keyOf(ln, i);
    const b = keyOf(rn, j);
    if (a >= to || b >= to) break;
    if (a < b) {
      visitor.entry(a, project(valueLo(ln, i), valueHi(ln, i)), undefined);
      i++;
    } else if (b < a) {
      visitor.entry(b, undefined, project(valueLo(rn, j), valueHi(rn, j)));
      j++;
    } else {
      visitor.entry(a, project(valueLo(ln, i), valueHi(ln, i)), project(valueLo(rn, j), valueHi(rn, j)));
      i++;
      j++;
    }
  }
  lf.i = i;
  rf.i = j;
}

/** Visits the entries of the tree at `root` with keys in [from, to), in key order. */
export function walkRange(nodes: NodeReader, root: number, from: number, to: number, project: Project, visit: (key: number, value: number) => void): void {
  const n = nodes.readNode(root);
  if (n.leaf) {
    for (let i = 0; i < n.nr; i++) {
      const k = keyOf(n, i);
      if (k >= from && k < to) visit(k, project(valueLo(n, i), valueHi(n, i)));
    }
    return;
  }
  for (let i = 0; i < n.nr; i++) {
    if (keyOf(n, i) >= to) return;
    if (i + 1 < n.nr && keyOf(n, i + 1) <= from) continue;
    walkRange(nodes, childOf(n, i), from, to, project, visit);
  }
}

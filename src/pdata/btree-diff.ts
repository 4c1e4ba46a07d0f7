// Walks two single-level btrees side by side in key order and skips every subtree they share.
// A block reachable from both roots has the same contents in both (blocks are copied, never
// changed in place, while anyone else references them), so a shared subtree is known to be
// equal without reading it: the cost is what differs plus the tree heights, not the key count.
//
// A node's key range comes from its parent: child i holds keys in [key[i], key[i+1]) (the last
// child up to the parent's own bound), since lookups choose children by those keys. Parent keys
// are only lower bounds, so a range may be wider than the keys actually present.
import { type BtreeNode, isLeaf } from './btree-node.ts';
import { decodeU64 } from './thin-values.ts';

export interface NodeReader {
  /** The decoded node; callers never modify it. */
  readNode(b: number): Readonly<BtreeNode>;
}

export interface DiffVisitor {
  /** A key present on either side (undefined on the side that lacks it), in ascending key order. */
  entry(key: number, left: Uint8Array | undefined, right: Uint8Array | undefined): void;
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
  node: Readonly<BtreeNode>;
  i: number;
  hi: number;
  /** 0 for a leaf. */
  height: number;
}

type Item =
  | { tree: true; block: number; lo: number; hi: number; height: number }
  | { tree: false; key: number; value: Uint8Array };

/** Levels below the root: the leftmost path is as long as any other (btrees are balanced). */
function heightOf(nodes: NodeReader, root: number): number {
  let h = 0;
  for (let n = nodes.readNode(root); !isLeaf(n) && n.values.length; n = nodes.readNode(decodeU64(n.values[0]))) h++;
  return h;
}

/** One tree's position: the item at the front is a child subtree or a leaf entry. */
class Cursor {
  private stack: Frame[] = [];
  private pending: Item | undefined;

  constructor(
    private readonly nodes: NodeReader,
    root: number,
    private readonly window: KeyWindow,
  ) {
    this.pending = { tree: true, block: root, lo: 0, hi: Infinity, height: heightOf(nodes, root) };
    this.clip();
  }

  /** The front item, or undefined when the tree (within the window) is exhausted. */
  front(): Item | undefined {
    return this.pending;
  }

  /** Steps past the front item without reading it. */
  skip(): void {
    this.pending = undefined;
    this.next();
  }

  /** Replaces the front subtree by its children (or entries). */
  expand(): void {
    const it = this.pending;
    if (!it?.tree) throw new Error('expand of a leaf entry');
    this.pending = undefined;
    this.stack.push({ node: this.nodes.readNode(it.block), i: 0, hi: it.hi, height: it.height });
    this.load();
  }

  private next(): void {
    const top = this.stack.at(-1);
    if (top) top.i++;
    this.load();
  }

  /** Makes the entry under the top frame's index the front item, popping finished frames. */
  private load(): void {
    for (;;) {
      const top = this.stack.at(-1);
      if (!top) return;
      const n = top.node;
      if (top.i >= n.keys.length) {
        this.stack.pop();
        const parent = this.stack.at(-1);
        if (parent) parent.i++;
        continue;
      }
      const i = top.i;
      if (isLeaf(n)) this.pending = { tree: false, key: n.keys[i], value: n.values[i] };
      else this.pending = { tree: true, block: decodeU64(n.values[i]), lo: n.keys[i], hi: i + 1 < n.keys.length ? n.keys[i + 1] : top.hi, height: top.height - 1 };
      if (this.clip()) return;
    }
  }

  /** True when the front item survives the window; items wholly before it are skipped, and the first one past it ends the walk. */
  private clip(): boolean {
    const it = this.pending!;
    const lo = it.tree ? it.lo : it.key;
    const hi = it.tree ? it.hi : it.key + 1;
    if (lo >= this.window.to) {
      this.pending = undefined;
      this.stack = [];
      return true;
    }
    if (hi > this.window.from) return true;
    this.pending = undefined;
    const top = this.stack.at(-1);
    if (top) top.i++;
    return false;
  }
}

/** Visits the difference of the trees at `left` and `right`, restricted to `window`. */
export function diffBtrees(nodes: NodeReader, left: number, right: number, visitor: DiffVisitor, window: KeyWindow = { from: 0, to: Infinity }): void {
  const l = new Cursor(nodes, left, window);
  const r = new Cursor(nodes, right, window);
  for (;;) {
    const a = l.front();
    const b = r.front();
    if (!a && !b) return;
    if (!a || !b) {
      const [c, it] = a ? [l, a] : [r, b!];
      if (it.tree) c.expand();
      else {
        visitor.entry(it.key, a && it.value, b && it.value);
        c.skip();
      }
      continue;
    }
    if (a.tree && b.tree) {
      if (a.block === b.block) {
        visitor.shared(a.block, Math.max(a.lo, b.lo, window.from), Math.min(a.hi, b.hi, window.to));
        l.skip();
        r.skip();
      } else if (a.height > b.height) l.expand();
      else if (b.height > a.height) r.expand();
      else {
        l.expand();
        r.expand();
      }
      continue;
    }
    if (a.tree) l.expand();
    else if (b.tree) r.expand();
    else if (a.key < b.key) {
      visitor.entry(a.key, a.value, undefined);
      l.skip();
    } else if (b.key < a.key) {
      visitor.entry(b.key, undefined, b.value);
      r.skip();
    } else {
      visitor.entry(a.key, a.value, b.value);
      l.skip();
      r.skip();
    }
  }
}

/** Visits the entries of the tree at `root` with keys in [from, to), in key order. */
export function walkRange(nodes: NodeReader, root: number, from: number, to: number, visit: (key: number, value: Uint8Array) => void): void {
  const n = nodes.readNode(root);
  if (isLeaf(n)) {
    for (let i = 0; i < n.keys.length; i++) if (n.keys[i] >= from && n.keys[i] < to) visit(n.keys[i], n.values[i]);
    return;
  }
  for (let i = 0; i < n.keys.length; i++) {
    if (n.keys[i] >= to) return;
    if (i + 1 < n.keys.length && n.keys[i + 1] <= from) continue;
    walkRange(nodes, decodeU64(n.values[i]), from, to, visit);
  }
}

// Copy-on-write of metadata blocks within one transaction (dm-transaction-manager.c). A block is
// modified in place only if it was allocated or already shadowed in this transaction and nobody
// else references it; otherwise it is copied to a new block and the original loses a reference.
import type { BlockManager } from './block-manager.ts';
import { type BtreeNode, decodeNode, encodeNode } from './btree-node.ts';
import { type BlockValidator, btreeNodeValidator } from './validator.ts';

/** What the transaction manager needs of the metadata space map. */
export interface MetadataRefCounts {
  count(b: number): number;
  /** A block free in both the committed and the current map, its count set to 1. */
  alloc(): number;
  inc(b: number): void;
  dec(b: number): void;
}

function copyNode(n: BtreeNode): BtreeNode {
  return { ...n, keys: n.keys.slice(), values: n.values.slice() };
}

export interface Shadow {
  block: number;
  /** The original had other references: the caller must take a reference on every child of the copy. */
  shared: boolean;
}

export class TransactionManager {
  private shadows = new Set<number>();
  sm!: MetadataRefCounts;

  constructor(readonly bm: BlockManager) {}

  newBlock(): number {
    const b = this.sm.alloc();
    this.shadows.add(b);
    return b;
  }

  shadow(orig: number, v: BlockValidator): Shadow {
    const shared = this.sm.count(orig) > 1;
    if (this.shadows.has(orig) && !shared) return { block: orig, shared };
    const data = this.bm.read(orig, v);
    const b = this.newBlock();
    this.sm.dec(orig);
    this.bm.write(b, data, v);
    return { block: b, shared };
  }

  isShadowed(b: number): boolean {
    return this.shadows.has(b);
  }

  inc(b: number): void {
    this.sm.inc(b);
  }

  dec(b: number): void {
    this.sm.dec(b);
  }

  count(b: number): number {
    return this.sm.count(b);
  }

  /** A node the caller may change: the arrays are copies (the values themselves are never modified in place). */
  readNode(b: number): BtreeNode {
    return copyNode(this.bm.readDecoded(b, btreeNodeValidator, decodeNode));
  }

  /** The cached decoded node itself: for walks and lookups, which must not change it. */
  peekNode(b: number): Readonly<BtreeNode> {
    return this.bm.readDecoded(b, btreeNodeValidator, decodeNode);
  }

  writeNode(b: number, n: BtreeNode): void {
    n.blocknr = b;
    const copy = copyNode(n);
    this.bm.writeDecoded(b, () => encodeNode(copy), btreeNodeValidator, decodeNode, copy);
  }

  /** Blocks shadowed in the finished transaction are reachable from the new superblock now. */
  endTransaction(): void {
    this.shadows.clear();
  }
}

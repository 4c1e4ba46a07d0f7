// The structural invariants that thin_check enforces on btrees (§3.3 of the format reference),
// for tests and for validating metadata before trusting it.
import { type BtreeNode, calcMaxEntries, isLeaf, INTERNAL_NODE, LEAF_NODE } from './btree-node.ts';
import { decodeU64 } from './thin-values.ts';
import type { TransactionManager } from './transaction-manager.ts';

export class BtreeCheckError extends Error {}

export interface CheckedTree {
  entries: number;
  /** Every node block of the tree (a shared subtree is listed once per path through it). */
  nodes: number[];
}

/** The checks of one node that do not depend on its neighbours. */
export function checkNode(n: BtreeNode, b: number, isRoot: boolean, valueSize: number, parentKey: number | undefined): void {
  const fail = (m: string) => {
    throw new BtreeCheckError(`node ${b}: ${m}`);
  };
  if (n.flags !== INTERNAL_NODE && n.flags !== LEAF_NODE) fail(`flags ${n.flags}`);
  if (n.maxEntries % 3 !== 0) fail(`max_entries ${n.maxEntries} not divisible by 3`);
  const vs = isLeaf(n) ? valueSize : 8;
  if (n.valueSize !== vs) fail(`value_size ${n.valueSize}, expected ${vs}`);
  if (n.maxEntries !== calcMaxEntries(vs)) fail(`max_entries ${n.maxEntries}`);
  if (!isRoot && n.keys.length < n.maxEntries / 3) fail(`only ${n.keys.length} entries of ${n.maxEntries}`);
  if (!isLeaf(n) && n.keys.length === 0) fail('empty internal node');
  for (let i = 1; i < n.keys.length; i++) if (n.keys[i] <= n.keys[i - 1]) fail('keys out of order');
  if (parentKey !== undefined && n.keys.length > 0 && parentKey > n.keys[0]) fail(`parent key ${parentKey} above first key ${n.keys[0]}`);
}

/** Walks the whole tree from `root`, checking every node and the key order across leaves. */
export function checkBtree(tm: TransactionManager, root: number, valueSize: number, onValue?: (key: number, v: Uint8Array) => void): CheckedTree {
  const nodes: number[] = [];
  let entries = 0;
  let lastKey = -1;
  const visit = (b: number, isRoot: boolean, parentKey: number | undefined): void => {
    const n = tm.readNode(b);
    nodes.push(b);
    checkNode(n, b, isRoot, valueSize, parentKey);
    for (let i = 0; i < n.keys.length; i++) {
      if (isLeaf(n)) {
        if (n.keys[i] <= lastKey) throw new BtreeCheckError(`node ${b}: leaf key ranges overlap`);
        lastKey = n.keys[i];
        entries++;
        onValue?.(n.keys[i], n.values[i]);
      } else visit(decodeU64(n.values[i]), false, n.keys[i]);
    }
  };
  visit(root, true, undefined);
  return { entries, nodes };
}

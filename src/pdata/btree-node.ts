// Btree node blocks (dm-btree-internal.h): a 32-byte header, then max_entries u64 keys, then
// max_entries values. Values are kept as raw bytes; the value types interpret them.
import { BLOCK_SIZE } from './checksum.ts';

export const INTERNAL_NODE = 1;
export const LEAF_NODE = 2;
const NODE_HEADER_SIZE = 32;

export interface BtreeNode {
  flags: number;
  blocknr: number;
  maxEntries: number;
  valueSize: number;
  keys: number[];
  values: Uint8Array[];
}

/** Largest multiple of 3 entries that fits: checkers reject any other max_entries. */
export function calcMaxEntries(valueSize: number): number {
  const n = Math.floor((BLOCK_SIZE - NODE_HEADER_SIZE) / (8 + valueSize));
  return 3 * Math.floor(n / 3);
}

export function isLeaf(n: BtreeNode): boolean {
  return (n.flags & LEAF_NODE) !== 0;
}

export function emptyNode(flags: number, valueSize: number): BtreeNode {
  return { flags, blocknr: 0, maxEntries: calcMaxEntries(valueSize), valueSize, keys: [], values: [] };
}

export class BtreeNodeError extends Error {}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function decodeNode(b: Uint8Array, location: number): BtreeNode {
  const v = dv(b);
  const flags = v.getUint32(4, true);
  const nr = v.getUint32(16, true);
  const maxEntries = v.getUint32(20, true);
  const valueSize = v.getUint32(24, true);
  if ((flags & (INTERNAL_NODE | LEAF_NODE)) === 0) throw new BtreeNodeError(`node ${location}: neither internal nor leaf`);
  if (NODE_HEADER_SIZE + (8 + valueSize) * maxEntries > BLOCK_SIZE) throw new BtreeNodeError(`node ${location}: max_entries too large`);
  if (nr > maxEntries) throw new BtreeNodeError(`node ${location}: nr_entries > max_entries`);
  const keys: number[] = [];
  const values: Uint8Array[] = [];
  const vbase = NODE_HEADER_SIZE + 8 * maxEntries;
  for (let i = 0; i < nr; i++) {
    // Two 32-bit halves: much cheaper than BigInt, exact below 2^53.
    const hi = v.getUint32(NODE_HEADER_SIZE + 8 * i + 4, true);
    if (hi > 0x1fffff) throw new BtreeNodeError(`node ${location}: key ${v.getBigUint64(NODE_HEADER_SIZE + 8 * i, true)} too large`);
    keys.push(hi * 2 ** 32 + v.getUint32(NODE_HEADER_SIZE + 8 * i, true));
    values.push(b.slice(vbase + i * valueSize, vbase + (i + 1) * valueSize));
  }
  return { flags, blocknr: Number(v.getBigUint64(8, true)), maxEntries, valueSize, keys, values };
}

/** Unused slots are written as zeros; the checksum field is left for the block manager. */
export function encodeNode(n: BtreeNode): Uint8Array {
  if (n.keys.length > n.maxEntries) throw new BtreeNodeError(`node overflows: ${n.keys.length} > ${n.maxEntries}`);
  const out = new Uint8Array(BLOCK_SIZE);
  const v = dv(out);
  v.setUint32(4, n.flags, true);
  v.setBigUint64(8, BigInt(n.blocknr), true);
  v.setUint32(16, n.keys.length, true);
  v.setUint32(20, n.maxEntries, true);
  v.setUint32(24, n.valueSize, true);
  const vbase = NODE_HEADER_SIZE + 8 * n.maxEntries;
  for (let i = 0; i < n.keys.length; i++) {
    const k = n.keys[i];
    v.setUint32(NODE_HEADER_SIZE + 8 * i, k % 2 ** 32, true);
    v.setUint32(NODE_HEADER_SIZE + 8 * i + 4, Math.floor(k / 2 ** 32), true);
    if (n.values[i].length !== n.valueSize) throw new BtreeNodeError(`value of ${n.values[i].length} bytes in a node of ${n.valueSize}-byte values`);
    out.set(n.values[i], vbase + i * n.valueSize);
  }
  return out;
}

/** Largest i with keys[i] <= key, or -1. */
export function lowerBound(keys: number[], key: number): number {
  let lo = -1;
  let hi = keys.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= key) lo = mid;
    else hi = mid;
  }
  return lo;
}

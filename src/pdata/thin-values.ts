// Leaf values of the thin trees: packed block_time of the mapping trees and the 24-byte
// disk_device_details of the details tree.

export interface BlockTime {
  block: number;
  time: number;
}

const TIME_BITS = 24n;
export const MAX_TIME = (1 << 24) - 1;
export const MAX_DATA_BLOCK = 2 ** 40 - 1;
export const MAX_DEV_ID = (1 << 24) - 1;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeBlockTime(bt: BlockTime): Uint8Array {
  // The kernel does not mask: an out-of-range time would corrupt the block number.
  if (bt.time < 0 || bt.time > MAX_TIME) throw new RangeError(`time ${bt.time} does not fit in 24 bits`);
  if (bt.block < 0 || bt.block > MAX_DATA_BLOCK) throw new RangeError(`data block ${bt.block} does not fit in 40 bits`);
  const out = new Uint8Array(8);
  dv(out).setBigUint64(0, (BigInt(bt.block) << TIME_BITS) | BigInt(bt.time), true);
  return out;
}

export function decodeBlockTime(b: Uint8Array): BlockTime {
  const x = dv(b).getBigUint64(0, true);
  return { block: Number(x >> TIME_BITS), time: Number(x & 0xffffffn) };
}

export interface DeviceDetails {
  mappedBlocks: number;
  transactionId: bigint;
  creationTime: number;
  snapshottedTime: number;
}

export const DEVICE_DETAILS_SIZE = 24;

export function encodeDeviceDetails(d: DeviceDetails): Uint8Array {
  const out = new Uint8Array(DEVICE_DETAILS_SIZE);
  const v = dv(out);
  v.setBigUint64(0, BigInt(d.mappedBlocks), true);
  v.setBigUint64(8, d.transactionId, true);
  v.setUint32(16, d.creationTime, true);
  v.setUint32(20, d.snapshottedTime, true);
  return out;
}

export function decodeDeviceDetails(b: Uint8Array): DeviceDetails {
  const v = dv(b);
  return { mappedBlocks: Number(v.getBigUint64(0, true)), transactionId: v.getBigUint64(8, true), creationTime: v.getUint32(16, true), snapshottedTime: v.getUint32(20, true) };
}

// Block numbers and subtree roots are read and written on every btree step: plain byte arithmetic
// avoids BigInt (values stay below 2^53).
export function encodeU64(x: number): Uint8Array {
  const out = new Uint8Array(8);
  const lo = x % 2 ** 32;
  const hi = Math.floor(x / 2 ** 32);
  out[0] = lo & 0xff;
  out[1] = (lo >>> 8) & 0xff;
  out[2] = (lo >>> 16) & 0xff;
  out[3] = lo >>> 24;
  out[4] = hi & 0xff;
  out[5] = (hi >>> 8) & 0xff;
  out[6] = (hi >>> 16) & 0xff;
  out[7] = hi >>> 24;
  return out;
}

export function decodeU64(b: Uint8Array): number {
  const lo = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  const hi = (b[4] | (b[5] << 8) | (b[6] << 16) | (b[7] << 24)) >>> 0;
  if (hi > 0x1fffff) throw new RangeError('64-bit value beyond 2^53');
  return hi * 2 ** 32 + lo;
}

export function encodeU32(x: number): Uint8Array {
  const out = new Uint8Array(4);
  dv(out).setUint32(0, x, true);
  return out;
}

export function decodeU32(b: Uint8Array): number {
  return dv(b).getUint32(0, true);
}

// thin_disk_superblock: the 364 packed bytes at the start of metadata block 0 (and of the
// metadata-snapshot copy), little-endian; the rest of the block is zero.
import { BLOCK_SIZE } from './checksum.ts';

export const THIN_SUPERBLOCK_MAGIC = 27022010;
export const THIN_VERSION = 2;
export const THIN_METADATA_NEEDS_CHECK_FLAG = 1;
export const SM_ROOT_FIELD_SIZE = 128;

/** disk_sm_root: the first 32 bytes of each 128-byte space-map root field. */
export interface SmRoot {
  nrBlocks: number;
  nrAllocated: number;
  bitmapRoot: number;
  refCountRoot: number;
}

export interface ThinSuperblock {
  flags: number;
  blocknr: number;
  uuid: Uint8Array;
  magic: number;
  version: number;
  time: number;
  transId: bigint;
  heldRoot: number;
  dataSmRoot: SmRoot;
  metadataSmRoot: SmRoot;
  dataMappingRoot: number;
  deviceDetailsRoot: number;
  dataBlockSize: number;
  metadataBlockSize: number;
  metadataNrBlocks: number;
  compatFlags: number;
  compatRoFlags: number;
  incompatFlags: number;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(v: DataView, off: number): number {
  const x = v.getBigUint64(off, true);
  if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`64-bit field at ${off} is too large: ${x}`);
  return Number(x);
}

export function encodeSmRoot(r: SmRoot, out: Uint8Array, off: number): void {
  const v = dv(out);
  v.setBigUint64(off, BigInt(r.nrBlocks), true);
  v.setBigUint64(off + 8, BigInt(r.nrAllocated), true);
  v.setBigUint64(off + 16, BigInt(r.bitmapRoot), true);
  v.setBigUint64(off + 24, BigInt(r.refCountRoot), true);
}

export function decodeSmRoot(b: Uint8Array, off: number): SmRoot {
  const v = dv(b);
  return { nrBlocks: u64(v, off), nrAllocated: u64(v, off + 8), bitmapRoot: u64(v, off + 16), refCountRoot: u64(v, off + 24) };
}

/**
 * The whole 4096-byte block with a zero checksum field (the block manager stamps it). Bytes 32..127
 * of each sm-root field are left zero: nobody interprets them.
 */
export function encodeSuperblock(s: ThinSuperblock): Uint8Array {
  const out = new Uint8Array(BLOCK_SIZE);
  const v = dv(out);
  v.setUint32(4, s.flags, true);
  v.setBigUint64(8, BigInt(s.blocknr), true);
  out.set(s.uuid.subarray(0, 16), 16);
  v.setBigUint64(32, BigInt(s.magic), true);
  v.setUint32(40, s.version, true);
  v.setUint32(44, s.time, true);
  v.setBigUint64(48, s.transId, true);
  v.setBigUint64(56, BigInt(s.heldRoot), true);
  encodeSmRoot(s.dataSmRoot, out, 64);
  encodeSmRoot(s.metadataSmRoot, out, 192);
  v.setBigUint64(320, BigInt(s.dataMappingRoot), true);
  v.setBigUint64(328, BigInt(s.deviceDetailsRoot), true);
  v.setUint32(336, s.dataBlockSize, true);
  v.setUint32(340, s.metadataBlockSize, true);
  v.setBigUint64(344, BigInt(s.metadataNrBlocks), true);
  v.setUint32(352, s.compatFlags, true);
  v.setUint32(356, s.compatRoFlags, true);
  v.setUint32(360, s.incompatFlags, true);
  return out;
}

export function decodeSuperblock(b: Uint8Array): ThinSuperblock {
  const v = dv(b);
  return {
    flags: v.getUint32(4, true),
    blocknr: u64(v, 8),
    uuid: b.slice(16, 32),
    magic: u64(v, 32),
    version: v.getUint32(40, true),
    time: v.getUint32(44, true),
    transId: v.getBigUint64(48, true),
    heldRoot: u64(v, 56),
    dataSmRoot: decodeSmRoot(b, 64),
    metadataSmRoot: decodeSmRoot(b, 192),
    dataMappingRoot: u64(v, 320),
    deviceDetailsRoot: u64(v, 328),
    dataBlockSize: v.getUint32(336, true),
    metadataBlockSize: v.getUint32(340, true),
    metadataNrBlocks: u64(v, 344),
    compatFlags: v.getUint32(352, true),
    compatRoFlags: v.getUint32(356, true),
    incompatFlags: v.getUint32(360, true),
  };
}

// dm-snapshot's persistent exception store (the COW device of a classic snapshot), as the kernel
// writes it: a header chunk, then areas of 16-byte exception records, each area followed by the
// data chunks its records point to. Pure layout and encoding; the snapshot targets build on it.
export const SNAP_MAGIC = 0x70416e53; // "SnAp" little-endian
export const SNAPSHOT_DISK_VERSION = 1;
const RECORD = 16;

// The COW size bound lives with the model, which sizes snapshots by it.
export { cowMaxSectors } from '../model/cow-size.ts';

export interface SnapshotHeader {
  valid: boolean;
  version: number;
  /** Chunk size in sectors. */
  chunkSize: number;
}

/** A new snapshot (all zero) or a header; a magic that is neither is corrupt. */
export type HeaderRead = { kind: 'new' } | { kind: 'header'; header: SnapshotHeader } | { kind: 'corrupt' };

export interface Exception {
  /** Chunk of the origin (the snapshot's virtual chunk). */
  oldChunk: number;
  /** Absolute chunk of the COW device holding its data. */
  newChunk: number;
}

export function encodeSnapshotHeader(h: SnapshotHeader, chunkBytes: number): Uint8Array {
  const b = new Uint8Array(chunkBytes);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, SNAP_MAGIC, true);
  dv.setUint32(4, h.valid ? 1 : 0, true);
  dv.setUint32(8, h.version, true);
  dv.setUint32(12, h.chunkSize, true);
  return b;
}

export function decodeSnapshotHeader(b: Uint8Array): HeaderRead {
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  const magic = dv.getUint32(0, true);
  if (magic === 0) return { kind: 'new' };
  if (magic !== SNAP_MAGIC) return { kind: 'corrupt' };
  return { kind: 'header', header: { valid: dv.getUint32(4, true) !== 0, version: dv.getUint32(8, true), chunkSize: dv.getUint32(12, true) } };
}

/** Exception records per metadata area: one chunk of 16-byte records. */
export function exceptionsPerArea(chunkSize: number): number {
  return (chunkSize * 512) / RECORD;
}

/** COW chunk that holds metadata area k. */
export function areaChunk(chunkSize: number, k: number): number {
  return 1 + k * (exceptionsPerArea(chunkSize) + 1);
}

export function isAreaChunk(chunkSize: number, chunk: number): boolean {
  return chunk >= 1 && chunk % (exceptionsPerArea(chunkSize) + 1) === 1;
}

/** The next free data chunk after `chunk`, skipping metadata areas. */
export function nextFree(chunkSize: number, chunk: number): number {
  const n = chunk + 1;
  return isAreaChunk(chunkSize, n) ? n + 1 : n;
}

export function encodeArea(records: Exception[], chunkSize: number): Uint8Array {
  const b = new Uint8Array(chunkSize * 512);
  const dv = new DataView(b.buffer);
  records.forEach((r, j) => {
    dv.setBigUint64(j * RECORD, BigInt(r.oldChunk), true);
    dv.setBigUint64(j * RECORD + 8, BigInt(r.newChunk), true);
  });
  return b;
}

/** Records of one area up to the terminator (new_chunk 0); `full` when all E records are used. */
export function decodeArea(b: Uint8Array, chunkSize: number): { records: Exception[]; full: boolean } {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const e = exceptionsPerArea(chunkSize);
  const records: Exception[] = [];
  for (let j = 0; j < e; j++) {
    const newChunk = Number(dv.getBigUint64(j * RECORD + 8, true));
    if (newChunk === 0) return { records, full: false };
    records.push({ oldChunk: Number(dv.getBigUint64(j * RECORD, true)), newChunk });
  }
  return { records, full: true };
}

/** Data chunks a COW of `cowSectors` can hold (metadata areas and the header excluded). */
export function dataCapacity(cowSectors: number, chunkSize: number): number {
  const n = Math.floor(cowSectors / chunkSize);
  if (n < 2) return 0;
  return n - 1 - Math.ceil((n - 1) / (exceptionsPerArea(chunkSize) + 1));
}

/**
 * The kernel's status numbers for a snapshot: sectors allocated (next_free · C) and metadata
 * sectors ((current area + 2) · C), out of the COW size. lvm2 turns the first into Data%.
 */
export function snapshotUsage(nextFreeChunk: number, currentArea: number, chunkSize: number): { allocated: number; metadata: number } {
  return { allocated: nextFreeChunk * chunkSize, metadata: (currentArea + 2) * chunkSize };
}

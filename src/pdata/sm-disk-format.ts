// On-disk structures of the space maps: bitmap blocks of 2-bit counts and the 16-byte index entries
// that summarise them (dm-space-map-common.h).
import { BLOCK_SIZE } from './checksum.ts';

/** 510 words of 32 entries: (4096 - 16) * 4. */
export const ENTRIES_PER_BLOCK = (BLOCK_SIZE - 16) * 4;
const BITMAP_HEADER = 16;

export interface IndexEntry {
  blocknr: number;
  nrFree: number;
  noneFreeBefore: number;
}

export const INDEX_ENTRY_SIZE = 16;

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

export function encodeIndexEntry(e: IndexEntry, out = new Uint8Array(INDEX_ENTRY_SIZE), off = 0): Uint8Array {
  const v = dv(out);
  v.setBigUint64(off, BigInt(e.blocknr), true);
  v.setUint32(off + 8, e.nrFree, true);
  v.setUint32(off + 12, e.noneFreeBefore, true);
  return out;
}

export function decodeIndexEntry(b: Uint8Array, off = 0): IndexEntry {
  const v = dv(b);
  return { blocknr: Number(v.getBigUint64(off, true)), nrFree: v.getUint32(off + 8, true), noneFreeBefore: v.getUint32(off + 12, true) };
}

/**
 * Entry j's two bits: the bit at 2*(j%32) is the high bit and the next one the low bit, so
 * count 1 is 0b10 in word order (pitfall: count 1 sets the odd bit).
 */
export function bitmapGet(block: Uint8Array, j: number): number {
  const byte = BITMAP_HEADER + (j >> 2);
  const shift = (j & 3) * 2;
  const bits = (block[byte] >> shift) & 3;
  return ((bits & 1) << 1) | (bits >> 1);
}

export function bitmapSet(block: Uint8Array, j: number, count: number): void {
  const c = Math.min(count, 3);
  const byte = BITMAP_HEADER + (j >> 2);
  const shift = (j & 3) * 2;
  const bits = ((c & 1) << 1) | (c >> 1);
  block[byte] = (block[byte] & ~(3 << shift)) | (bits << shift);
}

/** First j in [from, ENTRIES_PER_BLOCK) whose 2 bits are 0, skipping full bytes; -1 if none. */
export function bitmapFindFree(block: Uint8Array, from: number): number {
  for (let j = from; j < ENTRIES_PER_BLOCK; ) {
    if ((j & 3) === 0 && block[BITMAP_HEADER + (j >> 2)] === 0xff) {
      j += 4;
      continue;
    }
    if (bitmapGet(block, j) === 0) return j;
    j++;
  }
  return -1;
}

/** The metadata space map's single index block: 255 entries after a 16-byte header. */
export const MAX_METADATA_BITMAPS = 255;

export function encodeMetadataIndex(entries: IndexEntry[]): Uint8Array {
  if (entries.length > MAX_METADATA_BITMAPS) throw new RangeError(`${entries.length} metadata bitmaps (max ${MAX_METADATA_BITMAPS})`);
  const out = new Uint8Array(BLOCK_SIZE);
  entries.forEach((e, i) => encodeIndexEntry(e, out, 16 + i * INDEX_ENTRY_SIZE));
  return out;
}

export function decodeMetadataIndex(b: Uint8Array, nrBitmaps: number): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (let i = 0; i < nrBitmaps; i++) out.push(decodeIndexEntry(b, 16 + i * INDEX_ENTRY_SIZE));
  return out;
}

export function nrBitmaps(nrBlocks: number): number {
  return Math.ceil(nrBlocks / ENTRIES_PER_BLOCK);
}

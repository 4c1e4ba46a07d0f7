// Metadata block checksums of dm persistent-data: raw CRC-32C (seed ~0, no final inversion) of
// bytes 4..4095, xored with a salt per block type so that a block of one type can never pass for
// another (thin_check even identifies block types by this salt).

export const BLOCK_SIZE = 4096;

/** Salts per block type, as the kernel and thin-provisioning-tools define them. */
export const SUPERBLOCK_CSUM_XOR = 160774;
export const BTREE_CSUM_XOR = 121107;
export const BITMAP_CSUM_XOR = 240779;
export const INDEX_CSUM_XOR = 160478;

/**
 * Slicing-by-8 tables: TABLES[0] is the bytewise table, TABLES[k][n] the CRC of byte n followed
 * by k zero bytes, so eight bytes are folded in per step (every metadata read checks 4 KiB).
 */
const TABLES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) for (let n = 0; n < 256; n++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  return t;
})();

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** CRC-32C without the final xor, continuing from `seed` (0xFFFFFFFF to start). */
export function crc32cRaw(data: Uint8Array, seed = 0xffffffff): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES;
  let c = seed >>> 0;
  let i = 0;
  const n8 = data.length & ~7;
  if (LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
    // Whole words straight from the buffer: the common case (blocks are 4096-aligned copies).
    const w = new Uint32Array(data.buffer, data.byteOffset, n8 >> 2);
    for (let j = 0; j < w.length; j += 2) {
      const a = c ^ w[j];
      const b = w[j + 1];
      c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^ t3[b & 0xff] ^ t2[(b >>> 8) & 0xff] ^ t1[(b >>> 16) & 0xff] ^ t0[b >>> 24];
    }
    i = n8;
  } else {
    for (; i < n8; i += 8) {
      const a = c ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
      c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^ t3[data[i + 4]] ^ t2[data[i + 5]] ^ t1[data[i + 6]] ^ t0[data[i + 7]];
    }
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** The value stored at offset 0 of a block of the type given by `salt`. */
export function blockChecksum(block: Uint8Array, salt: number): number {
  return (crc32cRaw(block.subarray(4, BLOCK_SIZE)) ^ salt) >>> 0;
}

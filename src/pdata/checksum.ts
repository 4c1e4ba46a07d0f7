// Metadata block checksums of dm persistent-data: raw CRC-32C (seed ~0, no final inversion) of
// bytes 4..4095, xored with a salt per block type so that a block of one type can never pass for
// another (thin_check even identifies block types by this salt).

export const BLOCK_SIZE = 4096;

/** Salts per block type, as the kernel and thin-provisioning-tools define them. */
export const SUPERBLOCK_CSUM_XOR = 160774;
export const BTREE_CSUM_XOR = 121107;
export const BITMAP_CSUM_XOR = 240779;
export const INDEX_CSUM_XOR = 160478;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C without the final xor, continuing from `seed` (0xFFFFFFFF to start). */
export function crc32cRaw(data: Uint8Array, seed = 0xffffffff): number {
  let c = seed >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

/** The value stored at offset 0 of a block of the type given by `salt`. */
export function blockChecksum(block: Uint8Array, salt: number): number {
  return (crc32cRaw(block.subarray(4, BLOCK_SIZE)) ^ salt) >>> 0;
}

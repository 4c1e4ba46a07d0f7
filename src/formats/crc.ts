// lvm2's checksum: reflected CRC-32 (poly 0xEDB88320) seeded with 0xF597A6CF and no final XOR.
// Plain zlib/IEEE CRC-32 gives different values, so it is computed here.
import * as zlib from 'node:zlib';

export const LVM_INITIAL_CRC = 0xf597a6cf;

// Node ≥ 20.15 has a native IEEE CRC-32; lvm2's variant is the same polynomial with a different
// start and no final XOR, so it can be expressed through it. Elsewhere the table below is used.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** Continues a CRC over `buf`; pass the previous result to checksum split buffers (wrapped metadata). */
export function lvmCrc(buf: Uint8Array, crc: number = LVM_INITIAL_CRC): number {
  if (nativeCrc32 && buf.length > 64) return (nativeCrc32(buf, (crc ^ 0xffffffff) >>> 0) ^ 0xffffffff) >>> 0;
  return tableCrc(buf, crc);
}

/** The table-driven reference implementation. */
export function tableCrc(buf: Uint8Array, crc: number = LVM_INITIAL_CRC): number {
  let c = crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

// lvm2's checksum: reflected CRC-32 (poly 0xEDB88320) seeded with 0xF597A6CF and no final XOR.
// Plain zlib/IEEE CRC-32 gives different values, so it is computed here.
export const LVM_INITIAL_CRC = 0xf597a6cf;

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
// (zlib.crc32 could compute it too, but loading node:zlib costs a command ~10 ms of start-up,
// more than the table needs for a whole VG's metadata.)
export function lvmCrc(buf: Uint8Array, crc: number = LVM_INITIAL_CRC): number {
  let c = crc >>> 0;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

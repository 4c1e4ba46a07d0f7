// Little-endian helpers over DataView; offsets and sizes stay JS numbers (exact below 8 PiB).
export function u64(dv: DataView, off: number): number {
  return Number(dv.getBigUint64(off, true));
}
export function setU64(dv: DataView, off: number, v: number): void {
  dv.setBigUint64(off, BigInt(v), true);
}
export function ascii(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += String.fromCharCode(buf[off + i]!);
  return s;
}
export function putAscii(buf: Uint8Array, off: number, s: string): void {
  for (let i = 0; i < s.length; i++) buf[off + i] = s.charCodeAt(i);
}
export function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

// mda_header: the 512-byte header of a metadata area with its raw_locn slots.
import { lvmCrc } from './crc.ts';
import { ascii, putAscii, setU64, u64, view } from './bytes.ts';

export const MDA_HEADER_SIZE = 512;
export const FMTT_MAGIC = ' LVM2 x[5A%r0N*>';
export const FMTT_VERSION = 1;
export const RAW_LOCN_IGNORED = 0x1;

export interface RawLocn {
  /** Byte offset relative to the start of the metadata area. */
  offset: number;
  /** Bytes of metadata text including the trailing NUL. */
  size: number;
  checksum: number;
  flags: number;
}

export interface MdaHeader {
  start: number;
  size: number;
  /** Slot 0: committed metadata. */
  committed: RawLocn;
  /** Slot 1: precommitted metadata (normally empty). */
  precommitted: RawLocn;
}

export const EMPTY_LOCN: RawLocn = Object.freeze({ offset: 0, size: 0, checksum: 0, flags: 0 });

export function encodeMdaHeader(h: MdaHeader): Uint8Array {
  const buf = new Uint8Array(MDA_HEADER_SIZE);
  const dv = view(buf);
  putAscii(buf, 4, FMTT_MAGIC);
  dv.setUint32(20, FMTT_VERSION, true);
  setU64(dv, 24, h.start);
  setU64(dv, 32, h.size);
  const put = (off: number, l: RawLocn) => {
    setU64(dv, off, l.offset);
    setU64(dv, off + 8, l.size);
    dv.setUint32(off + 16, l.checksum >>> 0, true);
    dv.setUint32(off + 20, l.flags >>> 0, true);
  };
  put(40, h.committed);
  put(64, h.precommitted);
  dv.setUint32(0, lvmCrc(buf.subarray(4)), true);
  return buf;
}

export type MdaHeaderProblem = 'bad-checksum' | 'bad-magic' | 'bad-version' | 'bad-start' | 'bad-size' | 'bad-locn';

export function decodeMdaHeader(buf: Uint8Array, expectedStart: number): MdaHeader | MdaHeaderProblem {
  const dv = view(buf);
  if (dv.getUint32(0, true) !== lvmCrc(buf.subarray(4, MDA_HEADER_SIZE))) return 'bad-checksum';
  if (ascii(buf, 4, 16) !== FMTT_MAGIC) return 'bad-magic';
  if (dv.getUint32(20, true) !== FMTT_VERSION) return 'bad-version';
  const start = u64(dv, 24);
  const size = u64(dv, 32);
  if (start !== expectedStart) return 'bad-start';
  if (size < MDA_HEADER_SIZE) return 'bad-size';
  const get = (off: number): RawLocn => ({
    offset: u64(dv, off),
    size: u64(dv, off + 8),
    checksum: dv.getUint32(off + 16, true),
    flags: dv.getUint32(off + 20, true),
  });
  const committed = get(40);
  if (committed.offset !== 0 && (committed.offset >= size || committed.size > size - MDA_HEADER_SIZE)) return 'bad-locn';
  return { start, size, committed, precommitted: get(64) };
}

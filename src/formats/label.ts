// label_header + pv_header (+ extension): the one 512-byte sector that makes a device a PV.
import { lvmCrc } from './crc.ts';
import { ascii, putAscii, setU64, u64, view } from './bytes.ts';

export const SECTOR_SIZE = 512;
export const LABEL_SCAN_SECTORS = 4;
export const LABEL_ID = 'LABELONE';
export const LVM2_LABEL_TYPE = 'LVM2 001';
export const PV_HEADER_EXTENSION_VSN = 2;
export const PV_EXT_USED = 0x1;

export interface DiskLocn {
  /** Absolute byte offset on the device. */
  offset: number;
  /** Size in bytes (0 for the data area: lvm writes pe_start only). */
  size: number;
}

export interface PvLabel {
  /** Sector the label lives in (0..3, 1 by default). */
  sector: number;
  /** 32 id characters, no dashes. */
  pvId: string;
  deviceSize: number;
  dataAreas: DiskLocn[];
  metadataAreas: DiskLocn[];
  /** 0 when the PV header has no extension (old format). */
  extVersion: number;
  extFlags: number;
  bootloaderAreas: DiskLocn[];
}

export type LabelProblem =
  | 'no-label'
  | 'bad-sector-number'
  | 'bad-checksum'
  | 'bad-type'
  | 'bad-pv-header';

export function encodeLabel(label: PvLabel): Uint8Array {
  const buf = new Uint8Array(SECTOR_SIZE);
  const dv = view(buf);
  putAscii(buf, 0, LABEL_ID);
  setU64(dv, 8, label.sector);
  dv.setUint32(20, 32, true);
  putAscii(buf, 24, LVM2_LABEL_TYPE);
  let off = 32;
  putAscii(buf, off, label.pvId);
  setU64(dv, off + 32, label.deviceSize);
  off += 40;
  const putList = (list: DiskLocn[]) => {
    for (const l of list) {
      setU64(dv, off, l.offset);
      setU64(dv, off + 8, l.size);
      off += 16;
    }
    off += 16; // terminator stays zero
  };
  putList(label.dataAreas);
  putList(label.metadataAreas);
  if (label.extVersion > 0) {
    dv.setUint32(off, label.extVersion, true);
    dv.setUint32(off + 4, label.extFlags, true);
    off += 8;
    putList(label.bootloaderAreas);
  }
  if (off > SECTOR_SIZE) throw new RangeError('PV header does not fit in the label sector');
  dv.setUint32(16, lvmCrc(buf.subarray(20, SECTOR_SIZE)), true);
  return buf;
}

/** Decodes one sector; `sectorIndex` is where it was read from (lvm requires sector_xl to match). */
export function decodeLabel(sector: Uint8Array, sectorIndex: number): PvLabel | LabelProblem {
  if (sector.length < SECTOR_SIZE || ascii(sector, 0, 8) !== LABEL_ID) return 'no-label';
  const dv = view(sector);
  if (u64(dv, 8) !== sectorIndex) return 'bad-sector-number';
  if (dv.getUint32(16, true) !== lvmCrc(sector.subarray(20, SECTOR_SIZE))) return 'bad-checksum';
  if (ascii(sector, 24, 8) !== LVM2_LABEL_TYPE) return 'bad-type';
  const base = dv.getUint32(20, true);
  if (base < 32 || base + 40 > SECTOR_SIZE) return 'bad-pv-header';
  const pvId = ascii(sector, base, 32);
  const deviceSize = u64(dv, base + 32);
  let off = base + 40;
  const readList = (): DiskLocn[] | undefined => {
    const list: DiskLocn[] = [];
    for (;;) {
      if (off + 16 > SECTOR_SIZE) return undefined;
      const offset = u64(dv, off);
      const size = u64(dv, off + 8);
      off += 16;
      if (offset === 0) return list;
      list.push({ offset, size });
    }
  };
  const dataAreas = readList();
  const metadataAreas = readList();
  if (!dataAreas || !metadataAreas) return 'bad-pv-header';
  let extVersion = 0;
  let extFlags = 0;
  let bootloaderAreas: DiskLocn[] = [];
  if (off + 8 <= SECTOR_SIZE) {
    extVersion = dv.getUint32(off, true);
    extFlags = dv.getUint32(off + 4, true);
    off += 8;
    if (extVersion > 0) {
      const ba = readList();
      if (!ba) return 'bad-pv-header';
      bootloaderAreas = ba;
    }
  }
  return { sector: sectorIndex, pvId, deviceSize, dataAreas, metadataAreas, extVersion, extFlags, bootloaderAreas };
}

export interface LabelScan {
  label?: PvLabel;
  /** Sectors holding a LABELONE that lvm would reject, with the reason. */
  rejected: { sector: number; problem: LabelProblem }[];
}

/** Examines sectors 0..3 as lvm does: the first acceptable label wins. */
export function scanLabel(head: Uint8Array): LabelScan {
  const rejected: LabelScan['rejected'] = [];
  for (let s = 0; s < LABEL_SCAN_SECTORS; s++) {
    const sec = head.subarray(s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
    if (sec.length < SECTOR_SIZE) break;
    const r = decodeLabel(sec, s);
    if (typeof r !== 'string') return { label: r, rejected };
    if (r !== 'no-label') rejected.push({ sector: s, problem: r });
  }
  return { rejected };
}

// Committing a VG the way lvm2 does: text into every metadata area's circular buffer, then the
// precommit headers, then the commit headers. Each header is one 512-byte sector, so a reader sees
// either the old or the new seqno whatever moment a crash cuts in.
import type { BlockDevice, DeviceOpener } from '../devices/device.ts';
import { encodeLabel, scanLabel, LABEL_SCAN_SECTORS, SECTOR_SIZE, PV_EXT_USED, PV_HEADER_EXTENSION_VSN, type PvLabel } from '../formats/label.ts';
import { decodeMdaHeader, encodeMdaHeader, EMPTY_LOCN, MDA_HEADER_SIZE, RAW_LOCN_IGNORED, type MdaHeader } from '../formats/mda-header.ts';
import { layoutText, maxMetadataSize, nextTextOffset } from '../formats/circular.ts';
import { lvmCrc } from '../formats/crc.ts';
import { exportVgRaw, type TextHeader } from '../formats/vg-text.ts';
import type { VolumeGroup } from '../model/types.ts';
import { UlvmError, type UlvmErrorCode, type UlvmErrorData } from '../errors.ts';

/** A VG write that failed before any header changed (the VG still reads back as it was). */
export class CommitError extends UlvmError {
  constructor(lines: string | string[], code: UlvmErrorCode = 'FAILED', data: UlvmErrorData = {}) {
    super(code, Array.isArray(lines) ? lines : [lines], 5, data);
  }
}

interface OpenPv {
  dev: BlockDevice;
  label: PvLabel;
  headers: { offset: number; header: MdaHeader }[];
}

function openPv(opener: DeviceOpener, path: string, repair = false): OpenPv {
  const dev = opener.open(path, true);
  const ls = scanLabel(dev.read(0, LABEL_SCAN_SECTORS * SECTOR_SIZE));
  if (!ls.label) {
    dev.close();
    throw new CommitError(`Failed to read physical volume label on ${path}.`);
  }
  const headers: OpenPv['headers'] = [];
  for (const m of ls.label.metadataAreas) {
    const h = decodeMdaHeader(dev.read(m.offset, MDA_HEADER_SIZE), m.offset);
    // Like lvm2, a damaged area is left alone (vgck --updatemetadata repairs it on purpose).
    if (typeof h !== 'string') headers.push({ offset: m.offset, header: h });
    else if (repair) headers.push({ offset: m.offset, header: { start: m.offset, size: m.size, committed: EMPTY_LOCN, precommitted: EMPTY_LOCN } });
  }
  return { dev, label: ls.label, headers };
}

export function encodeText(text: string): Uint8Array {
  const body = new TextEncoder().encode(text);
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

function writeText(dev: BlockDevice, mdaOffset: number, mdaSize: number, start: number, text: Uint8Array): void {
  const pieces = layoutText(mdaSize, start, text.length);
  pieces.forEach((p, i) => {
    // Pad the last piece with zeros to the next sector so the space between copies is zero.
    const len = i === pieces.length - 1 ? Math.ceil(p.length / SECTOR_SIZE) * SECTOR_SIZE : p.length;
    const avail = mdaSize - p.offset;
    const buf = new Uint8Array(Math.min(len, avail));
    buf.set(text.subarray(p.from, p.from + Math.min(p.length, buf.length)));
    dev.write(mdaOffset + p.offset, buf);
  });
}

export interface CommitOptions {
  /** Labels get PV_EXT_USED; false when the PVs are being orphaned. */
  inUse?: boolean;
}

/** Writes `vg` (whose seqno the caller has already raised) to every metadata area of the given PV devices. */
/** What was committed: the metadata text's checksum and size (NUL included), as the mda headers record them. */
export interface Committed {
  checksum: number;
  size: number;
  /** Areas skipped (skipFullMdas), in lvm2's words. */
  warnings: string[];
}

export interface CommitVgOptions {
  repair?: boolean;
  /**
   * lvm2's handles_missing_pvs: a metadata area the text does not fit in is skipped with a warning
   * (the others are written); otherwise it fails the write at once.
   */
  skipFullMdas?: boolean;
}

/** lvm2's words for a text too big for an area (format-text.c), with the seqno being written. */
function tooBig(vg: VolumeGroup, path: string, size: number, max: number): string {
  return `VG ${vg.name} ${vg.seqno} metadata on ${path} (${size} bytes) exceeds maximum metadata size (${max} bytes)`;
}

export function commitVg(opener: DeviceOpener, vg: VolumeGroup, devicePaths: string[], header: TextHeader, opts: CommitVgOptions = {}): Committed {
  const text = encodeText(exportVgRaw(vg, header));
  const pvs = devicePaths.map((p) => openPv(opener, p, opts.repair));
  const warnings: string[] = [];
  try {
    for (const pv of pvs)
      pv.headers = pv.headers.filter((h) => {
        const max = maxMetadataSize(h.header.size);
        if (h.header.committed.flags & RAW_LOCN_IGNORED || text.length <= max) return true;
        const line = tooBig(vg, pv.dev.path, text.length, max);
        const data = { vg: vg.name, device: pv.dev.path, metadataBytes: text.length, maxMetadataBytes: max };
        if (!opts.skipFullMdas) throw new CommitError([line, `Failed to write VG ${vg.name}.`], 'METADATA_AREA_FULL', data);
        warnings.push(line, `WARNING: Failed to write an MDA of VG ${vg.name}.`);
        return false;
      });
    const fits = pvs.some((pv) => pv.headers.some((h) => !(h.header.committed.flags & RAW_LOCN_IGNORED)));
    if (warnings.length && !fits) throw new CommitError([...warnings, `Failed to write VG ${vg.name}.`], 'METADATA_AREA_FULL', { vg: vg.name, metadataBytes: text.length });
    const checksum = lvmCrc(text);
    const plans: { pv: OpenPv; h: { offset: number; header: MdaHeader }; start: number }[] = [];
    // 1. labels that must say "in use", then the text everywhere.
    for (const pv of pvs) {
      if (pv.label.extVersion < PV_HEADER_EXTENSION_VSN || !(pv.label.extFlags & PV_EXT_USED)) {
        const l = { ...pv.label, extVersion: PV_HEADER_EXTENSION_VSN, extFlags: pv.label.extFlags | PV_EXT_USED };
        pv.dev.write(l.sector * SECTOR_SIZE, encodeLabel(l));
      }
      for (const h of pv.headers) {
        if (h.header.committed.flags & RAW_LOCN_IGNORED) continue;
        const start = nextTextOffset(h.header.size, h.header.committed);
        writeText(pv.dev, h.offset, h.header.size, start, text);
        plans.push({ pv, h, start });
      }
    }
    if (plans.length === 0) throw new CommitError(`No metadata areas available to write volume group ${vg.name}.`);
    for (const pv of pvs) pv.dev.flush();
    // 2. precommit (readers ignore slot 1, so it needs no flush of its own before the commit).
    for (const p of plans) {
      const hdr: MdaHeader = { ...p.h.header, precommitted: { offset: p.start, size: text.length, checksum, flags: 0 } };
      p.pv.dev.write(p.h.offset, encodeMdaHeader(hdr));
    }
    // 3. commit.
    for (const p of plans) {
      const hdr: MdaHeader = { ...p.h.header, committed: { offset: p.start, size: text.length, checksum, flags: 0 }, precommitted: EMPTY_LOCN };
      p.pv.dev.write(p.h.offset, encodeMdaHeader(hdr));
    }
    for (const pv of pvs) pv.dev.flush();
    return { checksum, size: text.length, warnings };
  } finally {
    for (const pv of pvs) pv.dev.close();
  }
}

/** Makes PVs orphans again: empty metadata slots (old text stays in the buffer) and PV_EXT_USED cleared. */
export function orphanPvs(opener: DeviceOpener, devicePaths: string[]): void {
  for (const path of devicePaths) {
    const pv = openPv(opener, path);
    try {
      for (const h of pv.headers) {
        const ignored = h.header.committed.flags & RAW_LOCN_IGNORED;
        const hdr: MdaHeader = { ...h.header, committed: ignored ? { ...EMPTY_LOCN, flags: RAW_LOCN_IGNORED } : EMPTY_LOCN, precommitted: EMPTY_LOCN };
        pv.dev.write(h.offset, encodeMdaHeader(hdr));
      }
      if (pv.label.extFlags & PV_EXT_USED || pv.label.extVersion < PV_HEADER_EXTENSION_VSN) {
        const l = { ...pv.label, extVersion: PV_HEADER_EXTENSION_VSN, extFlags: pv.label.extFlags & ~PV_EXT_USED };
        pv.dev.write(l.sector * SECTOR_SIZE, encodeLabel(l));
      }
      pv.dev.flush();
    } finally {
      pv.dev.close();
    }
  }
}

// Placement of metadata text in the circular buffer of a metadata area (offsets relative to its start).
import { MDA_HEADER_SIZE, RAW_LOCN_IGNORED, type RawLocn } from './mda-header.ts';

export interface Piece {
  /** Offset in the metadata area. */
  offset: number;
  /** Offset in the text. */
  from: number;
  length: number;
}

/** Largest text (including NUL) lvm accepts: the previous copy must always survive. */
export function maxMetadataSize(mdaSize: number): number {
  return Math.floor((mdaSize - MDA_HEADER_SIZE) / 2) - MDA_HEADER_SIZE;
}

export function nextTextOffset(mdaSize: number, current: RawLocn): number {
  if (current.offset === 0 || current.flags & RAW_LOCN_IGNORED) return MDA_HEADER_SIZE;
  const end = current.offset + current.size;
  const oldLast = end > mdaSize ? end - mdaSize + MDA_HEADER_SIZE - 1 : end - 1;
  if (mdaSize - oldLast < MDA_HEADER_SIZE) return MDA_HEADER_SIZE;
  const start = Math.ceil((oldLast + 1) / MDA_HEADER_SIZE) * MDA_HEADER_SIZE;
  return start > mdaSize - MDA_HEADER_SIZE ? MDA_HEADER_SIZE : start;
}

/** Splits a text of `length` bytes starting at `start` into at most two pieces (wrap-around continues at 512). */
export function layoutText(mdaSize: number, start: number, length: number): Piece[] {
  if (start + length <= mdaSize) return [{ offset: start, from: 0, length }];
  const first = mdaSize - start;
  return [
    { offset: start, from: 0, length: first },
    { offset: MDA_HEADER_SIZE, from: first, length: length - first },
  ];
}

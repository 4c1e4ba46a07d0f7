// Chunk arithmetic shared by backup and restore: which fixed, offset-aligned chunks a set of byte
// ranges touches, and whether a chunk is all zeros (stored as nothing).

/** Sorted, distinct indexes of the chunks (of `chunkSize`) that the ranges overlap, below `count`. */
export function chunkIndexes(ranges: readonly { offset: number; length: number }[], chunkSize: number, count: number): number[] {
  const hit = new Uint8Array(count);
  for (const r of ranges) {
    if (r.length <= 0) continue;
    const first = Math.floor(r.offset / chunkSize);
    const last = Math.min(count - 1, Math.floor((r.offset + r.length - 1) / chunkSize));
    for (let i = first; i <= last; i++) hit[i] = 1;
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (hit[i]) out.push(i);
  return out;
}

let zeros = Buffer.alloc(0);

/** memcmp against a zero buffer: a 4 MiB chunk in well under a millisecond. */
export function isZero(data: Uint8Array): boolean {
  if (zeros.length < data.length) zeros = Buffer.alloc(data.length);
  return Buffer.from(data.buffer, data.byteOffset, data.length).equals(zeros.subarray(0, data.length));
}

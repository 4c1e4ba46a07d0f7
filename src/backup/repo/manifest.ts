// A backup's object, `backups/<id>`: two sealed parts in one file, so a listing decrypts only the
// small first part.
//   u32 LE length of part 1 ‖ part 1: sealed JSON summary (the manifest without chunk tables)
//                           ‖ part 2: sealed binary chunk tables
// A chunk table is, per volume: u32 count ‖ bitmap (bit i set: chunk i is stored; clear: all
// zeros) ‖ 32 bytes per stored chunk. A million-chunk volume is 32 MiB, not a million strings.
import type { BackupManifest, BackupSummary, BackupVolume, ChunkId } from '../types.ts';
import { seal, unseal } from './crypto.ts';

const ID_RE = /^[0-9a-f]{64}$/;

export function backupKey(id: string): string {
  return `backups/${id}`;
}

export function summaryOf(m: BackupManifest): BackupSummary {
  const { volumes, ...rest } = m;
  return { ...rest, volumes: volumes.map(({ chunks: _chunks, ...v }) => v) };
}

export function encodeChunkTable(chunks: (ChunkId | null)[]): Buffer {
  const stored = chunks.filter((c): c is ChunkId => c !== null);
  const bitmapLen = Math.ceil(chunks.length / 8);
  const b = Buffer.alloc(4 + bitmapLen + stored.length * 32);
  b.writeUInt32LE(chunks.length, 0);
  let o = 4 + bitmapLen;
  chunks.forEach((c, i) => {
    if (c === null) return;
    if (!ID_RE.test(c)) throw new RangeError(`not a chunk id: ${c}`);
    b[4 + (i >> 3)] |= 1 << (i & 7);
    b.write(c, o, 32, 'hex');
    o += 32;
  });
  return b;
}

/** The table starting at `at`, and where the next one starts. */
export function decodeChunkTable(b: Buffer, at: number): { chunks: (ChunkId | null)[]; end: number } {
  const count = b.readUInt32LE(at);
  const bitmap = at + 4;
  let o = bitmap + Math.ceil(count / 8);
  const chunks: (ChunkId | null)[] = new Array<ChunkId | null>(count);
  for (let i = 0; i < count; i++) {
    if ((b[bitmap + (i >> 3)] as number) & (1 << (i & 7))) {
      if (o + 32 > b.length) throw new RangeError('chunk table truncated');
      chunks[i] = b.toString('hex', o, o + 32);
      o += 32;
    } else chunks[i] = null;
  }
  return { chunks, end: o };
}

export function encodeManifest(encKey: Uint8Array, m: BackupManifest): Buffer {
  const summary = seal(encKey, `backup-summary:${m.id}`, Buffer.from(JSON.stringify(summaryOf(m))));
  const tables = seal(encKey, `backup-chunks:${m.id}`, ...m.volumes.map((v) => encodeChunkTable(v.chunks)));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(summary.length);
  return Buffer.concat([len, summary, tables]);
}

export function decodeSummary(encKey: Uint8Array, id: string, sealed: Uint8Array): BackupSummary {
  const s = JSON.parse(unseal(encKey, `backup-summary:${id}`, sealed).toString('utf8')) as BackupSummary;
  if (s.id !== id) throw new RangeError(`backup object ${id} holds backup ${s.id}`);
  return s;
}

export function decodeManifest(encKey: Uint8Array, id: string, bytes: Uint8Array): BackupManifest {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const len = b.readUInt32LE(0);
  const summary = decodeSummary(encKey, id, b.subarray(4, 4 + len));
  const tables = unseal(encKey, `backup-chunks:${id}`, b.subarray(4 + len));
  let at = 0;
  const volumes: BackupVolume[] = summary.volumes.map((v) => {
    const t = decodeChunkTable(tables, at);
    at = t.end;
    return { ...v, chunks: t.chunks };
  });
  if (at !== tables.length) throw new RangeError('chunk tables do not match the volumes');
  return { ...summary, volumes };
}

/** A chunk of zeros is stored as nothing: its manifest entry is null. */
export function isAllZero(b: Uint8Array): boolean {
  const words = Math.floor(b.length / 8);
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < words; i++) if (dv.getBigUint64(i * 8) !== 0n) return false;
  for (let i = words * 8; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

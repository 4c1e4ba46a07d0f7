// Pack files: many chunks in one object, so a million chunks are not a million files.
//   data/<first 2 hex>/<pack id> = blob … blob ‖ sealed trailer ‖ u32 LE trailer length
// Each blob is one chunk, sealed with the chunk id as associated data, holding a flag byte (raw or
// zstd) and the bytes. The trailer lists (chunk id, offset, length, plain length) for every blob,
// so the index can be rebuilt from the packs alone. The pack id is the SHA-256 of the whole pack:
// anyone holding the files (without the key) can check that a pack is what was written.
import { createHash } from 'node:crypto';
import { compress, decompress } from 'zstd-napi';
import type { ChunkId, RepoStorage } from '../types.ts';
import { AuthError, SEAL_OVERHEAD, seal, unseal } from './crypto.ts';

export interface PackEntry {
  id: ChunkId;
  offset: number;
  length: number;
  plainLength: number;
}

const FLAG_RAW = 0;
const FLAG_ZSTD = 1;
const TRAILER_MAGIC = Buffer.from('ULVMPAK1');
const TRAILER_AAD = 'pack-trailer';
export const ENTRY_BYTES = 48;

export function packKey(packId: string): string {
  return `data/${packId.slice(0, 2)}/${packId}`;
}

export function packIdOfKey(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function chunkAad(id: ChunkId): string {
  return `chunk:${id}`;
}

/** zstd unless it saves less than 1/20 of the bytes (random or already compressed data). */
export function sealChunk(encKey: Uint8Array, id: ChunkId, plain: Uint8Array, level = 3): Buffer {
  const z = compress(plain, { compressionLevel: level });
  if (z.length < plain.length - plain.length / 20) return seal(encKey, chunkAad(id), Buffer.of(FLAG_ZSTD), z);
  return seal(encKey, chunkAad(id), Buffer.of(FLAG_RAW), plain);
}

/** The chunk's plain bytes; AuthError if the blob is not this chunk's, as sealed. */
export function openChunk(encKey: Uint8Array, id: ChunkId, blob: Uint8Array): Buffer {
  const inner = unseal(encKey, chunkAad(id), blob);
  if (inner.length < 1) throw new AuthError();
  if (inner[0] === FLAG_RAW) return inner.subarray(1);
  if (inner[0] === FLAG_ZSTD) return decompress(inner.subarray(1));
  throw new AuthError();
}

export function encodeEntries(entries: PackEntry[]): Buffer {
  const b = Buffer.alloc(entries.length * ENTRY_BYTES);
  entries.forEach((e, i) => {
    const o = i * ENTRY_BYTES;
    b.write(e.id, o, 32, 'hex');
    b.writeUInt32LE(Math.floor(e.offset / 2 ** 32), o + 32);
    b.writeUInt32LE(e.offset % 2 ** 32, o + 36);
    b.writeUInt32LE(e.length, o + 40);
    b.writeUInt32LE(e.plainLength, o + 44);
  });
  return b;
}

export function decodeEntries(b: Buffer, count: number, at = 0): PackEntry[] {
  if (at + count * ENTRY_BYTES > b.length) throw new RangeError('entry table overruns its object');
  const out: PackEntry[] = [];
  for (let i = 0; i < count; i++) {
    const o = at + i * ENTRY_BYTES;
    out.push({
      id: b.toString('hex', o, o + 32),
      offset: b.readUInt32LE(o + 32) * 2 ** 32 + b.readUInt32LE(o + 36),
      length: b.readUInt32LE(o + 40),
      plainLength: b.readUInt32LE(o + 44),
    });
  }
  return out;
}

/** The pack being filled: sealed blobs in memory until it reaches its target size. */
export class PackWriter {
  private readonly blobs: Buffer[] = [];
  private readonly byId = new Map<ChunkId, { blob: Buffer; entry: PackEntry }>();
  readonly entries: PackEntry[] = [];
  size = 0;

  add(id: ChunkId, blob: Buffer, plainLength: number): PackEntry {
    const entry = { id, offset: this.size, length: blob.length, plainLength };
    this.blobs.push(blob);
    this.entries.push(entry);
    this.byId.set(id, { blob, entry });
    this.size += blob.length;
    return entry;
  }

  has(id: ChunkId): boolean {
    return this.byId.has(id);
  }

  blob(id: ChunkId): Buffer | undefined {
    return this.byId.get(id)?.blob;
  }

  get count(): number {
    return this.entries.length;
  }

  /** The pack's bytes and id (its hash). */
  finish(encKey: Uint8Array): { id: string; bytes: Buffer } {
    const head = Buffer.alloc(12);
    TRAILER_MAGIC.copy(head, 0);
    head.writeUInt32LE(this.entries.length, 8);
    const trailer = seal(encKey, TRAILER_AAD, head, encodeEntries(this.entries));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(trailer.length);
    const bytes = Buffer.concat([...this.blobs, trailer, len]);
    return { id: createHash('sha256').update(bytes).digest('hex'), bytes };
  }
}

function parseTrailer(encKey: Uint8Array, sealed: Uint8Array, blobsEnd: number): PackEntry[] {
  const t = unseal(encKey, TRAILER_AAD, sealed);
  if (t.length < 12 || !t.subarray(0, 8).equals(TRAILER_MAGIC)) throw new AuthError();
  const count = t.readUInt32LE(8);
  if (t.length !== 12 + count * ENTRY_BYTES) throw new AuthError();
  const entries = decodeEntries(t, count, 12);
  for (const e of entries) if (e.offset + e.length > blobsEnd) throw new AuthError();
  return entries;
}

/** Reads and opens a stored pack's trailer (two ranged reads, not the whole pack). */
export async function readTrailer(storage: RepoStorage, encKey: Uint8Array, packId: string, packSize: number): Promise<PackEntry[]> {
  const key = packKey(packId);
  if (packSize < 4 + SEAL_OVERHEAD) throw new AuthError();
  const len = Buffer.from(await storage.getRange(key, packSize - 4, 4)).readUInt32LE(0);
  if (len + 4 > packSize || len < SEAL_OVERHEAD) throw new AuthError();
  const sealed = await storage.getRange(key, packSize - 4 - len, len);
  return parseTrailer(encKey, sealed, packSize - 4 - len);
}

/** The trailer of a pack read whole (full verify reads each pack once). */
export function trailerOf(encKey: Uint8Array, pack: Buffer): PackEntry[] {
  if (pack.length < 4 + SEAL_OVERHEAD) throw new AuthError();
  const len = pack.readUInt32LE(pack.length - 4);
  if (len + 4 > pack.length || len < SEAL_OVERHEAD) throw new AuthError();
  return parseTrailer(encKey, pack.subarray(pack.length - 4 - len, pack.length - 4), pack.length - 4 - len);
}

export function packHash(pack: Uint8Array): string {
  return createHash('sha256').update(pack).digest('hex');
}

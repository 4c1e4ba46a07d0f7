// The chunk index: where each chunk lives (pack, offset, length). Persisted as sealed
// `index/<id>` files, each listing whole packs (id, size, entries), written only after those packs
// are durable: an index never names a pack that might not exist. Loading merges every file; a
// chunk found in two packs (a crash between gc's steps) is served from the first one seen.
import type { ChunkId, RepoStorage } from '../types.ts';
import { randomHex, seal, unseal } from './crypto.ts';
import { ENTRY_BYTES, type PackEntry, decodeEntries, encodeEntries } from './packs.ts';

export interface Loc extends PackEntry {
  pack: string;
}

export interface PackInfo {
  id: string;
  size: number;
  entries: Loc[];
}

const MAGIC = Buffer.from('ULVMIDX1');

export class ChunkIndex {
  readonly chunks = new Map<ChunkId, Loc>();
  readonly packs = new Map<string, PackInfo>();
  /** The index files merged into this one. */
  readonly files = new Set<string>();

  addPack(id: string, size: number, entries: PackEntry[]): PackInfo {
    const existing = this.packs.get(id);
    if (existing) return existing;
    const info: PackInfo = { id, size, entries: entries.map((e) => ({ ...e, pack: id })) };
    this.packs.set(id, info);
    for (const l of info.entries) if (!this.chunks.has(l.id)) this.chunks.set(l.id, l);
    return info;
  }

  has(id: ChunkId): boolean {
    return this.chunks.has(id);
  }

  get(id: ChunkId): Loc | undefined {
    return this.chunks.get(id);
  }
}

function fileAad(fileId: string): string {
  return `index:${fileId}`;
}

export function encodeIndexFile(encKey: Uint8Array, fileId: string, packs: PackInfo[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  MAGIC.copy(head);
  head.writeUInt32LE(packs.length, 8);
  parts.push(head);
  for (const p of packs) {
    const ph = Buffer.alloc(44);
    ph.write(p.id, 0, 32, 'hex');
    ph.writeUInt32LE(Math.floor(p.size / 2 ** 32), 32);
    ph.writeUInt32LE(p.size % 2 ** 32, 36);
    ph.writeUInt32LE(p.entries.length, 40);
    parts.push(ph, encodeEntries(p.entries));
  }
  return seal(encKey, fileAad(fileId), ...parts);
}

export function decodeIndexFile(encKey: Uint8Array, fileId: string, sealed: Uint8Array): { id: string; size: number; entries: PackEntry[] }[] {
  const b = unseal(encKey, fileAad(fileId), sealed);
  if (b.length < 12 || !b.subarray(0, 8).equals(MAGIC)) throw new RangeError('not an index file');
  const n = b.readUInt32LE(8);
  const out: { id: string; size: number; entries: PackEntry[] }[] = [];
  let o = 12;
  for (let i = 0; i < n; i++) {
    if (o + 44 > b.length) throw new RangeError('index file truncated');
    const id = b.toString('hex', o, o + 32);
    const size = b.readUInt32LE(o + 32) * 2 ** 32 + b.readUInt32LE(o + 36);
    const count = b.readUInt32LE(o + 40);
    o += 44;
    out.push({ id, size, entries: decodeEntries(b, count, o) });
    o += count * ENTRY_BYTES;
  }
  return out;
}

export interface IndexProblem {
  file: string;
  message: string;
}

/** Merges every index file; files that do not open are reported, not fatal (rebuildIndex repairs). */
export async function loadIndex(storage: RepoStorage, encKey: Uint8Array): Promise<{ index: ChunkIndex; problems: IndexProblem[] }> {
  const index = new ChunkIndex();
  const problems: IndexProblem[] = [];
  const names = (await storage.list('index/')).sort();
  await eachLimited(names, 8, async (name) => {
    const fileId = name.slice('index/'.length);
    const bytes = await storage.get(name);
    if (!bytes) return;
    try {
      for (const p of decodeIndexFile(encKey, fileId, bytes)) index.addPack(p.id, p.size, p.entries);
      index.files.add(fileId);
    } catch {
      problems.push({ file: name, message: `Index file ${name} does not decrypt or is malformed.` });
    }
  });
  return { index, problems };
}

/** Writes one new index file naming these packs; returns its id. */
export async function writeIndexFile(storage: RepoStorage, encKey: Uint8Array, packs: PackInfo[]): Promise<string> {
  const fileId = randomHex(32);
  await storage.put(`index/${fileId}`, encodeIndexFile(encKey, fileId, packs), { ifAbsent: true });
  return fileId;
}

/** Runs fn over items with at most `limit` in flight. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

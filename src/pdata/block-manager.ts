// 4 KiB metadata blocks over a BlockDevice, with a bounded LRU cache. Dirty blocks carry their
// validator so that the location and checksum are stamped when they reach the device. A dirty block
// may be written back before the commit when the cache is full: the transaction manager only ever
// dirties blocks that the committed superblock cannot reach, so early write-back is crash-safe and
// memory stays bounded by the cache size, never by the pool's size.
import type { BlockDevice } from '../devices/device.ts';
import { BLOCK_SIZE } from './checksum.ts';
import { type BlockValidator, checkBlock, prepareForWrite } from './validator.ts';

interface Entry {
  /** Undefined while only `pending` can produce the bytes (a node written but not yet encoded). */
  data?: Uint8Array;
  pending?: () => Uint8Array;
  /** Set while the cached bytes differ from the device's. */
  dirty?: BlockValidator;
  /** The type the bytes were last validated as: re-reads as that type skip the checksum. */
  validated?: BlockValidator;
  /** A decoded form of exactly these bytes, and the decoder that made it. */
  decoded?: { by: unknown; value: unknown };
}

export const DEFAULT_CACHE_BLOCKS = 1024;

/** A write through a read-only block manager (the kernel's dm_bm_set_read_only gives EPERM). */
export class ReadOnlyBlockManagerError extends Error {
  constructor(readonly block: number) {
    super(`write of metadata block ${block} while the metadata is read-only`);
  }
}

export class BlockManager {
  /** Insertion order of a Map is its LRU order: a hit re-inserts the entry at the end. */
  private cache = new Map<number, Entry>();
  readonly nrBlocks: number;
  /** Set for read-only metadata: every write is refused before anything changes. */
  readOnly = false;
  /** Blocks read from or written to the device, for tests that bound the I/O. */
  reads = 0;
  writes = 0;

  constructor(
    readonly dev: BlockDevice,
    readonly cacheBlocks = DEFAULT_CACHE_BLOCKS,
  ) {
    this.nrBlocks = Math.floor(dev.size / BLOCK_SIZE);
  }

  private checkRange(b: number): void {
    if (!Number.isInteger(b) || b < 0 || b >= this.nrBlocks) throw new RangeError(`metadata block ${b} is outside the device (${this.nrBlocks} blocks)`);
  }

  private touch(b: number, e: Entry): void {
    this.cache.delete(b);
    this.cache.set(b, e);
    while (this.cache.size > this.cacheBlocks) {
      const [old, oe] = this.cache.entries().next().value as [number, Entry];
      this.cache.delete(old);
      if (oe.dirty) this.writeOut(old, oe);
    }
  }

  private bytes(e: Entry): Uint8Array {
    if (!e.data) {
      e.data = e.pending!();
      e.pending = undefined;
    }
    return e.data;
  }

  private writeOut(b: number, e: Entry): void {
    if (!e.dirty) return;
    const data = this.bytes(e);
    prepareForWrite(e.dirty, b, data);
    this.dev.write(b * BLOCK_SIZE, data);
    this.writes++;
    e.dirty = undefined;
  }

  /** The block's bytes, validated as type `v`; a copy, so callers may modify it freely. */
  read(b: number, v: BlockValidator): Uint8Array {
    return this.readShared(b, v).slice();
  }

  /** Like read, without the copy: the caller must not modify the bytes. */
  readShared(b: number, v: BlockValidator): Uint8Array {
    this.checkRange(b);
    let e = this.cache.get(b);
    if (!e) {
      const data = this.dev.read(b * BLOCK_SIZE, BLOCK_SIZE);
      this.reads++;
      checkBlock(v, b, data);
      e = { data, validated: v };
    } else if (e.dirty) {
      // Stamp now so a validation as another type sees the same bytes the device would.
      if (e.dirty !== v) {
        prepareForWrite(e.dirty, b, this.bytes(e));
        checkBlock(v, b, this.bytes(e));
      }
    } else if (e.validated !== v) {
      checkBlock(v, b, this.bytes(e));
      e.validated = v;
    }
    this.touch(b, e);
    return this.bytes(e);
  }

  /**
   * The block decoded by `decode`, reusing the previous decoding of the same bytes: decoding a
   * node costs more than everything else on a btree path.
   */
  readDecoded<T>(b: number, v: BlockValidator, decode: (data: Uint8Array, b: number) => T): T {
    const hit = this.cache.get(b);
    if (hit?.decoded?.by === decode && hit.validated === v) {
      this.touch(b, hit);
      return hit.decoded.value as T;
    }
    const data = this.readShared(b, v);
    const e = this.cache.get(b)!;
    if (e.decoded?.by === decode) return e.decoded.value as T;
    const value = decode(data, b);
    e.decoded = { by: decode, value };
    return value;
  }

  /**
   * Writes a block given in decoded form; `encode` runs only when the bytes are needed (write-back,
   * or a raw read), so a node changed many times in a transaction is encoded once.
   */
  writeDecoded<T>(b: number, encode: () => Uint8Array, v: BlockValidator, decode: (data: Uint8Array, b: number) => T, value: T): void {
    if (this.readOnly) throw new ReadOnlyBlockManagerError(b);
    this.checkRange(b);
    this.touch(b, { pending: encode, dirty: v, validated: v, decoded: { by: decode, value } });
  }

  /** Raw bytes without validation: only for deciding whether a device holds metadata at all. */
  readRaw(b: number): Uint8Array {
    this.checkRange(b);
    const e = this.cache.get(b);
    if (e) {
      if (e.dirty) prepareForWrite(e.dirty, b, this.bytes(e));
      return this.bytes(e).slice();
    }
    this.reads++;
    return this.dev.read(b * BLOCK_SIZE, BLOCK_SIZE);
  }

  /** Replaces the block's contents; written back (stamped as type `v`) on eviction or flush. */
  write(b: number, data: Uint8Array, v: BlockValidator): void {
    if (this.readOnly) throw new ReadOnlyBlockManagerError(b);
    this.checkRange(b);
    if (data.length !== BLOCK_SIZE) throw new RangeError(`metadata block write of ${data.length} bytes`);
    this.touch(b, { data: data.slice(), dirty: v, validated: v });
  }

  /** Writes one block straight to the device, bypassing the cache: the superblock at commit. */
  writeDirect(b: number, data: Uint8Array, v: BlockValidator): void {
    if (this.readOnly) throw new ReadOnlyBlockManagerError(b);
    this.checkRange(b);
    const copy = data.slice();
    prepareForWrite(v, b, copy);
    this.dev.write(b * BLOCK_SIZE, copy);
    this.writes++;
    this.touch(b, { data: copy, validated: v });
  }

  /** Writes every dirty block, then flushes the device. */
  flush(): void {
    for (const [b, e] of this.cache) this.writeOut(b, e);
    this.dev.flush();
  }

  /** Forgets cached contents (after an abort, dirty blocks are dropped unwritten). */
  invalidate(): void {
    this.cache.clear();
  }

  get cachedBlocks(): number {
    return this.cache.size;
  }
}

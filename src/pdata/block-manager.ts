// 4 KiB metadata blocks over a BlockDevice, with a bounded LRU cache. Dirty blocks carry their
// validator so that the location and checksum are stamped when they reach the device. A dirty block
// may be written back before the commit when the cache is full: the transaction manager only ever
// dirties blocks that the committed superblock cannot reach, so early write-back is crash-safe and
// memory stays bounded by the cache size, never by the pool's size.
import type { BlockDevice } from '../devices/device.ts';
import { BLOCK_SIZE } from './checksum.ts';
import { type BlockValidator, checkBlock, prepareForWrite } from './validator.ts';

interface Entry {
  data: Uint8Array;
  /** Set while the cached bytes differ from the device's. */
  dirty?: BlockValidator;
  /** The type the bytes were last validated as: re-reads as that type skip the checksum. */
  validated?: BlockValidator;
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

  private writeOut(b: number, e: Entry): void {
    if (!e.dirty) return;
    prepareForWrite(e.dirty, b, e.data);
    this.dev.write(b * BLOCK_SIZE, e.data);
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
        prepareForWrite(e.dirty, b, e.data);
        checkBlock(v, b, e.data);
      }
    } else if (e.validated !== v) {
      checkBlock(v, b, e.data);
      e.validated = v;
    }
    this.touch(b, e);
    return e.data;
  }

  /** Raw bytes without validation: only for deciding whether a device holds metadata at all. */
  readRaw(b: number): Uint8Array {
    this.checkRange(b);
    const e = this.cache.get(b);
    if (e) {
      if (e.dirty) prepareForWrite(e.dirty, b, e.data);
      return e.data.slice();
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

// What both space maps share (dm-space-map-common.c): 2-bit counts in bitmap blocks, counts of 3
// and more in a ref-count btree, and per-bitmap index entries. Counts changed in the current
// transaction live in `delta` (it grows with the transaction, never with the device); everything
// else is read from the committed bitmaps, which are never modified in place: at commit, each
// changed bitmap is shadowed to a new block, so the committed superblock's view stays intact
// until the new superblock is written.
import { BLOCK_SIZE } from './checksum.ts';
import { Btree, plainValueType } from './btree.ts';
import { ENTRIES_PER_BLOCK, type IndexEntry, bitmapFindFree, bitmapGet, bitmapSet, nrBitmaps } from './sm-disk-format.ts';
import type { SmRoot } from './superblock.ts';
import { decodeU32, encodeU32 } from './thin-values.ts';
import type { TransactionManager } from './transaction-manager.ts';
import { bitmapValidator } from './validator.ts';

/** The kernel's ENOSPC from a space map with no block free in both the old and the new map. */
export class NoSpaceError extends Error {
  constructor(readonly what: string) {
    super(`no free ${what} blocks`);
  }
}

export const REF_COUNT_VALUE_SIZE = 4;

export abstract class SpaceMap {
  protected delta = new Map<number, number>();
  /** Bitmaps [0, committedBitmaps) exist on disk; later ones (after an extend) are all zero. */
  protected committedBitmaps: number;
  protected committedRefRoot: number;
  readonly refTree: Btree;
  /** Next-fit cursor of the allocator. */
  private cursor = 0;
  /** nr_allocated of the committed map, and the blocks handed out since (the kernel's allocated_this_transaction). */
  private committedAllocated: number;
  private allocatedThisTransaction = 0;

  protected constructor(
    protected readonly tm: TransactionManager,
    readonly what: string,
    public nrBlocks: number,
    public nrAllocated: number,
    public refCountRoot: number,
  ) {
    this.committedBitmaps = nrBitmaps(nrBlocks);
    this.committedRefRoot = refCountRoot;
    this.refTree = new Btree(tm, plainValueType(REF_COUNT_VALUE_SIZE));
    this.committedAllocated = nrAllocated;
  }

  /** The committed index entry of bitmap i (i < committedBitmaps). */
  protected abstract committedEntry(i: number): IndexEntry;

  abstract commit(): void;
  abstract root(): SmRoot;

  private committedBitmap(i: number): Uint8Array | undefined {
    if (i >= this.committedBitmaps) return undefined;
    return this.tm.bm.readShared(this.committedEntry(i).blocknr, bitmapValidator);
  }

  private committedCount(b: number): number {
    const bm = this.committedBitmap(Math.floor(b / ENTRIES_PER_BLOCK));
    if (!bm) return 0;
    const c = bitmapGet(bm, b % ENTRIES_PER_BLOCK);
    if (c < 3) return c;
    const v = this.refTree.lookup(this.committedRefRoot, b);
    if (!v) throw new Error(`${this.what} space map: block ${b} overflows its bitmap but is not in the ref-count tree`);
    return decodeU32(v);
  }

  count(b: number): number {
    if (b < 0 || b >= this.nrBlocks) throw new RangeError(`${this.what} block ${b} outside the space map (${this.nrBlocks} blocks)`);
    return this.delta.get(b) ?? this.committedCount(b);
  }

  set(b: number, c: number): void {
    const old = this.count(b);
    if (old === 0 && c > 0) this.nrAllocated++;
    if (old > 0 && c === 0) this.nrAllocated--;
    this.delta.set(b, c);
  }

  inc(b: number): void {
    this.set(b, this.count(b) + 1);
  }

  dec(b: number): void {
    const c = this.count(b);
    if (c === 0) throw new Error(`${this.what} space map: decrement of free block ${b}`);
    this.set(b, c - 1);
  }

  get nrFree(): number {
    return this.nrBlocks - this.nrAllocated;
  }

  /**
   * sm_metadata_get_nr_free: what the committed map has free less what this transaction took;
   * blocks freed in the transaction only count once it is committed (they cannot be reused before).
   */
  get nrFreeForAllocation(): number {
    return this.nrBlocks - this.committedAllocated - this.allocatedThisTransaction;
  }

  /**
   * Next-fit from the cursor, wrapping once. A block freed in this transaction is still counted in
   * the committed bitmaps, so it is not handed out before the commit.
   */
  alloc(): number {
    const total = nrBitmaps(this.nrBlocks);
    if (total === 0) throw new NoSpaceError(this.what);
    const startBitmap = Math.floor(this.cursor / ENTRIES_PER_BLOCK);
    for (let step = 0; step <= total; step++) {
      const i = (startBitmap + step) % total;
      const first = step === 0 ? this.cursor % ENTRIES_PER_BLOCK : 0;
      const b = this.findFreeIn(i, first, step === total ? this.cursor % ENTRIES_PER_BLOCK : ENTRIES_PER_BLOCK);
      if (b !== undefined) {
        this.set(b, 1);
        this.allocatedThisTransaction++;
        this.cursor = b + 1 >= this.nrBlocks ? 0 : b + 1;
        return b;
      }
    }
    throw new NoSpaceError(this.what);
  }

  private findFreeIn(i: number, from: number, to: number): number | undefined {
    const base = i * ENTRIES_PER_BLOCK;
    const end = Math.min(to, this.nrBlocks - base);
    const committed = this.committedBitmap(i);
    let j = from;
    if (committed) {
      const e = this.committedEntry(i);
      if (e.nrFree === 0) return undefined;
      j = Math.max(j, Math.min(e.noneFreeBefore, ENTRIES_PER_BLOCK));
    }
    while (j < end) {
      if (committed) {
        j = bitmapFindFree(committed, j);
        if (j < 0 || j >= end) return undefined;
      }
      if (!this.delta.get(base + j)) return base + j;
      j++;
    }
    return undefined;
  }

  /** Grows the map; the new bitmaps are written at the next commit. Space maps never shrink. */
  extend(nrBlocks: number): void {
    if (nrBlocks < this.nrBlocks) throw new Error('cannot reduce size of space map');
    this.nrBlocks = nrBlocks;
  }

  /** Changed counts grouped by bitmap, and every bitmap that does not exist on disk yet. */
  protected dirtyBitmaps(): Map<number, [number, number][]> {
    const out = new Map<number, [number, number][]>();
    for (let i = this.committedBitmaps; i < nrBitmaps(this.nrBlocks); i++) out.set(i, []);
    for (const [b, c] of this.delta) {
      const i = Math.floor(b / ENTRIES_PER_BLOCK);
      let l = out.get(i);
      if (!l) out.set(i, (l = []));
      l.push([b % ENTRIES_PER_BLOCK, c]);
    }
    return out;
  }

  /**
   * Brings the ref-count tree in line with the counts of 3 or more; returns whether it changed
   * anything (each change may allocate metadata blocks, so the metadata space map repeats this).
   */
  protected syncOverflow(synced: Map<number, number>): boolean {
    let changed = false;
    for (const [b, c] of [...this.delta]) {
      const want = c >= 3 ? c : 0;
      const have = synced.get(b) ?? (this.committedOverflow(b) ?? 0);
      if (want === have) continue;
      synced.set(b, want);
      if (want) this.refCountRoot = this.refTree.insert(this.refCountRoot, b, encodeU32(want)).root;
      else this.refCountRoot = this.refTree.remove(this.refCountRoot, b).root;
      changed = true;
    }
    return changed;
  }

  private committedOverflow(b: number): number | undefined {
    const bm = this.committedBitmap(Math.floor(b / ENTRIES_PER_BLOCK));
    if (!bm || bitmapGet(bm, b % ENTRIES_PER_BLOCK) < 3) return undefined;
    return this.committedCount(b);
  }

  /** Where a dirty bitmap goes: its committed block shadowed, or a new block. */
  protected placeBitmap(i: number): number {
    if (i < this.committedBitmaps) return this.tm.shadow(this.committedEntry(i).blocknr, bitmapValidator).block;
    return this.tm.newBlock();
  }

  /** Writes bitmap i (committed contents plus this transaction's changes) to `at`. */
  protected writeBitmap(i: number, at: number, changes: [number, number][]): IndexEntry {
    const committed = this.committedBitmap(i);
    const data = committed ? committed.slice() : new Uint8Array(BLOCK_SIZE);
    for (const [j, c] of changes) bitmapSet(data, j, c);
    this.tm.bm.write(at, data, bitmapValidator);
    let nrFree = 0;
    let noneFreeBefore = -1;
    for (let j = 0; j < ENTRIES_PER_BLOCK; j++) {
      if (bitmapGet(data, j) === 0) {
        nrFree++;
        if (noneFreeBefore < 0) noneFreeBefore = j;
      }
    }
    return { blocknr: at, nrFree, noneFreeBefore: noneFreeBefore < 0 ? ENTRIES_PER_BLOCK : noneFreeBefore };
  }

  /** After the commit the new bitmaps and tree are the committed ones. */
  protected committed(): void {
    this.delta.clear();
    this.committedAllocated = this.nrAllocated;
    this.allocatedThisTransaction = 0;
    this.committedBitmaps = nrBitmaps(this.nrBlocks);
    this.committedRefRoot = this.refCountRoot;
  }

  /** Counts changed in the current transaction. */
  get changedBlocks(): number {
    return this.delta.size;
  }
}

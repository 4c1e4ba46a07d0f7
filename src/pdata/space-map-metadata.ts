// The metadata space map (§5.4): its index is one block of at most 255 entries, and it counts the
// blocks it is itself made of. Committing it changes its own counts (each shadowed bitmap, index
// block and ref-count node is a metadata block), so commit repeats until nothing new is allocated.
import { MAX_METADATA_BITMAPS, type IndexEntry, decodeMetadataIndex, encodeMetadataIndex, nrBitmaps, ENTRIES_PER_BLOCK } from './sm-disk-format.ts';
import { SpaceMap } from './space-map.ts';
import type { SmRoot } from './superblock.ts';
import type { MetadataRefCounts, TransactionManager } from './transaction-manager.ts';
import { indexValidator } from './validator.ts';

/** DM_SM_METADATA_MAX_BLOCKS: what 255 bitmaps can count; the rest of a larger device is unused. */
export const METADATA_MAX_BLOCKS = MAX_METADATA_BITMAPS * ENTRIES_PER_BLOCK;

export class MetadataSpaceMap extends SpaceMap implements MetadataRefCounts {
  private entries: IndexEntry[];

  private constructor(tm: TransactionManager, root: SmRoot, entries: IndexEntry[], private indexBlock: number | undefined) {
    super(tm, 'metadata', root.nrBlocks, root.nrAllocated, root.refCountRoot);
    this.entries = entries;
    tm.sm = this;
  }

  /** A map with nothing on disk yet: call initRefTree once the transaction manager can allocate. */
  static create(tm: TransactionManager, nrBlocks: number): MetadataSpaceMap {
    const sm = new MetadataSpaceMap(tm, { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 }, [], undefined);
    sm.extend(Math.min(nrBlocks, METADATA_MAX_BLOCKS));
    return sm;
  }

  initRefTree(): void {
    this.refCountRoot = this.refTree.empty();
  }

  static open(tm: TransactionManager, root: SmRoot): MetadataSpaceMap {
    if (nrBitmaps(root.nrBlocks) > MAX_METADATA_BITMAPS) throw new Error(`metadata space map of ${root.nrBlocks} blocks needs more than ${MAX_METADATA_BITMAPS} bitmaps`);
    const index = tm.bm.read(root.bitmapRoot, indexValidator);
    return new MetadataSpaceMap(tm, root, decodeMetadataIndex(index, nrBitmaps(root.nrBlocks)), root.bitmapRoot);
  }

  protected committedEntry(i: number): IndexEntry {
    return this.entries[i];
  }

  root(): SmRoot {
    if (this.indexBlock === undefined) throw new Error('metadata space map not committed yet');
    return { nrBlocks: this.nrBlocks, nrAllocated: this.nrAllocated, bitmapRoot: this.indexBlock, refCountRoot: this.refCountRoot };
  }

  commit(): void {
    const placed = new Map<number, number>();
    const synced = new Map<number, number>();
    let index: number | undefined;
    for (;;) {
      let changed = false;
      for (const i of this.dirtyBitmaps().keys()) {
        if (placed.has(i)) continue;
        placed.set(i, this.placeBitmap(i));
        changed = true;
      }
      if (this.syncOverflow(synced)) changed = true;
      if (index === undefined) {
        index = this.indexBlock === undefined ? this.tm.newBlock() : this.tm.shadow(this.indexBlock, indexValidator).block;
        changed = true;
      }
      if (!changed) break;
    }
    const entries = this.entries.slice();
    for (const [i, changes] of this.dirtyBitmaps()) entries[i] = this.writeBitmap(i, placed.get(i)!, changes);
    this.tm.bm.write(index, encodeMetadataIndex(entries), indexValidator);
    this.entries = entries;
    this.indexBlock = index;
    this.committed();
  }
}

// The data space map (§5.5): its index entries live in a btree keyed by bitmap number. Its bitmaps,
// index nodes and ref-count nodes are metadata blocks, so committing it only changes the metadata
// space map, which is committed after it.
import { Btree, plainValueType } from './btree.ts';
import { INDEX_ENTRY_SIZE, type IndexEntry, decodeIndexEntry, encodeIndexEntry } from './sm-disk-format.ts';
import { SpaceMap } from './space-map.ts';
import type { SmRoot } from './superblock.ts';
import type { TransactionManager } from './transaction-manager.ts';

const ENTRY_CACHE_SIZE = 64;

export class DataSpaceMap extends SpaceMap {
  private readonly indexTree: Btree;
  private committedIndexRoot: number;

  private constructor(tm: TransactionManager, root: SmRoot, private indexRoot: number) {
    super(tm, 'data', root.nrBlocks, root.nrAllocated, root.refCountRoot);
    this.indexTree = new Btree(tm, plainValueType(INDEX_ENTRY_SIZE));
    this.committedIndexRoot = indexRoot;
  }

  /** An empty map of no blocks, as the kernel formats it; extend() sizes it. */
  static create(tm: TransactionManager): DataSpaceMap {
    const sm = new DataSpaceMap(tm, { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 }, 0);
    sm.indexRoot = sm.indexTree.empty();
    sm.committedIndexRoot = sm.indexRoot;
    sm.refCountRoot = sm.refTree.empty();
    sm.committedRefRoot = sm.refCountRoot;
    return sm;
  }

  static open(tm: TransactionManager, root: SmRoot): DataSpaceMap {
    return new DataSpaceMap(tm, root, root.bitmapRoot);
  }

  /** Recently used committed entries: a few, so memory does not grow with the data device. */
  private entryCache = new Map<number, IndexEntry>();

  protected committedEntry(i: number): IndexEntry {
    const hit = this.entryCache.get(i);
    if (hit) return hit;
    const v = this.indexTree.lookup(this.committedIndexRoot, i);
    if (!v) throw new Error(`data space map: no index entry for bitmap ${i}`);
    const e = decodeIndexEntry(v);
    if (this.entryCache.size >= ENTRY_CACHE_SIZE) this.entryCache.clear();
    this.entryCache.set(i, e);
    return e;
  }

  root(): SmRoot {
    return { nrBlocks: this.nrBlocks, nrAllocated: this.nrAllocated, bitmapRoot: this.indexRoot, refCountRoot: this.refCountRoot };
  }

  commit(): void {
    this.syncOverflow(new Map());
    for (const [i, changes] of this.dirtyBitmaps()) {
      const e = this.writeBitmap(i, this.placeBitmap(i), changes);
      this.indexRoot = this.indexTree.insert(this.indexRoot, i, encodeIndexEntry(e)).root;
    }
    this.committedIndexRoot = this.indexRoot;
    this.entryCache.clear();
    this.committed();
  }
}

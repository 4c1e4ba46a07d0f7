// A held pool metadata snapshot (reserve_metadata_snap) opened read-only: the superblock copy at
// held_root and the mapping and details trees it names. Those blocks carry the snapshot's own
// references, so the live pool shadows them before any change and frees none of them until the
// release: the snapshot can be read while the pool keeps writing, without touching its
// transaction, as thin_delta -m and thin_dump -m do.
import type { BlockDevice } from '../devices/device.ts';
import { BlockManager } from './block-manager.ts';
import { Btree, plainValueType } from './btree.ts';
import { type DiffNode, type NodeReader, decodeDiffNode } from './btree-diff.ts';
import type { MappingView } from './mapping-view.ts';
import { type ThinSuperblock, decodeSuperblock } from './superblock.ts';
import { THIN_SUPERBLOCK_LOCATION, type ThinMetadata } from './thin-metadata.ts';
import { ThinMetadataError } from './thin-metadata-errors.ts';
import { DEVICE_DETAILS_SIZE, type DeviceDetails, decodeDeviceDetails } from './thin-values.ts';
import { TransactionManager } from './transaction-manager.ts';
import { btreeNodeValidator, superblockValidator } from './validator.ts';

export class MetadataSnapshot implements MappingView, NodeReader {
  readonly superblock: Readonly<ThinSuperblock>;

  private constructor(
    private readonly bm: BlockManager,
    /** The block of the superblock copy (the live superblock's held_root). */
    readonly location: number,
  ) {
    this.superblock = decodeSuperblock(bm.read(location, superblockValidator));
  }

  /**
   * The snapshot the live metadata `md` holds, read through md's own block cache (so blocks the
   * pool has cached are not read twice); nothing is written.
   */
  static of(md: ThinMetadata): MetadataSnapshot {
    if (!md.heldRoot) throw new ThinMetadataError('ENODATA', 'no pool metadata snapshot is held');
    return new MetadataSnapshot(md.bm, md.heldRoot);
  }

  /**
   * From the metadata device itself, for a reader outside the pool's process: the held root the
   * on-disk superblock names (thin_delta -m), or the block given (thin_delta -m BLOCK).
   */
  static open(dev: BlockDevice, heldRoot?: number, cacheBlocks?: number): MetadataSnapshot {
    const bm = new BlockManager(dev, cacheBlocks);
    bm.readOnly = true;
    const at = heldRoot ?? decodeSuperblock(bm.read(THIN_SUPERBLOCK_LOCATION, superblockValidator)).heldRoot;
    if (!at) throw new ThinMetadataError('ENODATA', 'no pool metadata snapshot is held');
    return new MetadataSnapshot(bm, at);
  }

  get mappingRoot(): number {
    return this.superblock.dataMappingRoot;
  }

  readNode(b: number): DiffNode {
    return this.bm.readDecoded(b, btreeNodeValidator, decodeDiffNode);
  }

  /** The details tree, for lookups and walks only (a transaction manager that never allocates). */
  private details(): Btree {
    return new Btree(new TransactionManager(this.bm), plainValueType(DEVICE_DETAILS_SIZE));
  }

  /** Device ids in the snapshot, ascending. */
  devices(): number[] {
    const out: number[] = [];
    this.details().walk(this.superblock.deviceDetailsRoot, (k) => void out.push(k));
    return out;
  }

  deviceDetails(id: number): DeviceDetails | undefined {
    const v = this.details().lookup(this.superblock.deviceDetailsRoot, id);
    return v && decodeDeviceDetails(v);
  }
}

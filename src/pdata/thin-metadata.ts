// Pool metadata (dm-thin-metadata.c) over the persistent-data library: format, open and validate,
// thin and snapshot devices, mappings, the transaction id, metadata snapshots, and the commit in
// the kernel's order. Changed device details are kept in core and written at commit, as the
// kernel does, so a mapping insert touches only the device's tree.
import type { BlockDevice } from '../devices/device.ts';
import { BlockManager } from './block-manager.ts';
import { Btree, plainValueType } from './btree.ts';
import { MappingTree } from './mapping-tree.ts';
import { BLOCK_SIZE } from './checksum.ts';
import { DataSpaceMap } from './space-map-data.ts';
import { METADATA_MAX_BLOCKS, MetadataSpaceMap } from './space-map-metadata.ts';
import { NoSpaceError } from './space-map.ts';
import { type ThinSuperblock, THIN_METADATA_NEEDS_CHECK_FLAG, THIN_SUPERBLOCK_MAGIC, THIN_VERSION, decodeSuperblock, encodeSuperblock } from './superblock.ts';
import { ThinMetadataError } from './thin-metadata-errors.ts';
import { type BlockTime, DEVICE_DETAILS_SIZE, type DeviceDetails, MAX_DEV_ID, decodeDeviceDetails, encodeDeviceDetails } from './thin-values.ts';
import { TransactionManager } from './transaction-manager.ts';
import { BlockValidationError, checkBlock, superblockValidator } from './validator.ts';

export const THIN_SUPERBLOCK_LOCATION = 0;
export const DATA_BLOCK_SIZE_MIN = 128;
export const DATA_BLOCK_SIZE_MAX = 2097152;

export interface MappingLookup extends BlockTime {
  /** The device was snapshotted after this mapping was made: a write must break sharing. */
  shared: boolean;
}

export interface OpenOptions {
  /** The table's data block size, which must match the superblock's. */
  dataBlockSize?: number;
  readOnly?: boolean;
  cacheBlocks?: number;
}

export interface FormatOptions {
  dataBlockSize: number;
  nrDataBlocks: number;
  cacheBlocks?: number;
}

/** True when the first 4 KiB are zero: the kernel formats such a device instead of opening it. */
export function superblockAllZeroes(dev: BlockDevice): boolean {
  return dev.read(0, BLOCK_SIZE).every((b) => b === 0);
}

export class ThinMetadata {
  private readonly tm: TransactionManager;
  private metadataSm!: MetadataSpaceMap;
  private dataSm!: DataSpaceMap;
  private readonly mapping: MappingTree;
  private readonly detailsTree: Btree;
  private sb!: ThinSuperblock;
  private mappingRoot = 0;
  private detailsRoot = 0;
  /** Details of devices changed in this transaction, written into the details tree at commit. */
  private changed = new Map<number, DeviceDetails>();

  private constructor(readonly bm: BlockManager) {
    this.tm = new TransactionManager(bm);
    this.mapping = new MappingTree(this.tm, { inc: (b) => this.dataSm.inc(b), dec: (b) => this.dataSm.dec(b) });
    this.detailsTree = new Btree(this.tm, plainValueType(DEVICE_DETAILS_SIZE));
  }

  /** Writes new, empty pool metadata (__format_metadata), sized for `nrDataBlocks` data blocks. */
  static format(dev: BlockDevice, opts: FormatOptions): ThinMetadata {
    const { dataBlockSize } = opts;
    if (dataBlockSize < DATA_BLOCK_SIZE_MIN || dataBlockSize > DATA_BLOCK_SIZE_MAX || dataBlockSize % DATA_BLOCK_SIZE_MIN !== 0) {
      throw new ThinMetadataError('EINVAL', 'Invalid block size');
    }
    const md = new ThinMetadata(new BlockManager(dev, opts.cacheBlocks));
    const nrBlocks = Math.min(md.bm.nrBlocks, METADATA_MAX_BLOCKS);
    md.metadataSm = MetadataSpaceMap.create(md.tm, nrBlocks);
    if (md.metadataSm.alloc() !== THIN_SUPERBLOCK_LOCATION) throw new Error('superblock not at block 0');
    md.metadataSm.initRefTree();
    md.dataSm = DataSpaceMap.create(md.tm);
    md.mappingRoot = md.mapping.empty();
    md.detailsRoot = md.detailsTree.empty();
    md.sb = {
      flags: 0, blocknr: THIN_SUPERBLOCK_LOCATION, uuid: new Uint8Array(16), magic: THIN_SUPERBLOCK_MAGIC, version: THIN_VERSION,
      time: 0, transId: 0n, heldRoot: 0,
      dataSmRoot: { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 },
      metadataSmRoot: { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 },
      dataMappingRoot: 0, deviceDetailsRoot: 0, dataBlockSize, metadataBlockSize: 8, metadataNrBlocks: nrBlocks,
      compatFlags: 0, compatRoFlags: 0, incompatFlags: 0,
    };
    md.dataSm.extend(opts.nrDataBlocks);
    md.commit();
    return md;
  }

  /** Opens existing metadata with the kernel's checks (§1.3). */
  static open(dev: BlockDevice, opts: OpenOptions = {}): ThinMetadata {
    const md = new ThinMetadata(new BlockManager(dev, opts.cacheBlocks));
    const raw = md.bm.readRaw(THIN_SUPERBLOCK_LOCATION);
    const sb = decodeSuperblock(raw);
    if (sb.blocknr !== THIN_SUPERBLOCK_LOCATION) throw new ThinMetadataError('ENOTBLK', `sb_check failed: blocknr ${sb.blocknr}: wanted ${THIN_SUPERBLOCK_LOCATION}`);
    if (sb.magic !== THIN_SUPERBLOCK_MAGIC) throw new ThinMetadataError('EILSEQ', `sb_check failed: magic ${sb.magic}: wanted ${THIN_SUPERBLOCK_MAGIC}`);
    try {
      checkBlock(superblockValidator, THIN_SUPERBLOCK_LOCATION, raw);
    } catch (e) {
      if (!(e instanceof BlockValidationError)) throw e;
      throw new ThinMetadataError('EILSEQ', 'sb_check failed: checksum wrong');
    }
    if (opts.dataBlockSize !== undefined && opts.dataBlockSize !== sb.dataBlockSize) {
      throw new ThinMetadataError('EINVAL', `changing the data block size (from ${sb.dataBlockSize} to ${opts.dataBlockSize}) is not supported`);
    }
    if (sb.incompatFlags !== 0) throw new ThinMetadataError('EINVAL', `could not access metadata due to unsupported optional features (${sb.incompatFlags.toString(16)}).`);
    if (sb.compatRoFlags !== 0 && !opts.readOnly) throw new ThinMetadataError('EINVAL', `could not access metadata RDWR due to unsupported optional features (${sb.compatRoFlags.toString(16)}).`);
    md.load(sb);
    md.bm.readOnly = opts.readOnly ?? false;
    return md;
  }

  /**
   * __open_or_format_metadata: a device whose first 4 KiB are zero gets new metadata, unless it
   * is to be opened read-only (then, as for the kernel, that is an error).
   */
  static openOrFormat(dev: BlockDevice, opts: FormatOptions & OpenOptions): ThinMetadata {
    if (!superblockAllZeroes(dev)) return ThinMetadata.open(dev, opts);
    if (opts.readOnly) throw new ThinMetadataError('EPERM', 'metadata device is blank and read-only');
    return ThinMetadata.format(dev, opts);
  }

  private load(sb: ThinSuperblock): void {
    this.sb = sb;
    this.metadataSm = MetadataSpaceMap.open(this.tm, sb.metadataSmRoot);
    this.dataSm = DataSpaceMap.open(this.tm, sb.dataSmRoot);
    this.mappingRoot = sb.dataMappingRoot;
    this.detailsRoot = sb.deviceDetailsRoot;
    this.changed.clear();
  }

  get readOnly(): boolean {
    return this.bm.readOnly;
  }

  /**
   * Drops the current transaction and goes back to the committed superblock, as the kernel does
   * after a failed metadata operation. Blocks already written back early are unreachable from it.
   */
  abort(): void {
    this.bm.invalidate();
    this.tm.endTransaction();
    this.load(decodeSuperblock(this.bm.read(THIN_SUPERBLOCK_LOCATION, superblockValidator)));
  }

  get superblock(): Readonly<ThinSuperblock> {
    return this.sb;
  }

  get time(): number {
    return this.sb.time;
  }

  get transactionId(): bigint {
    return this.sb.transId;
  }

  /** The compare-and-swap of the set_transaction_id message. */
  setTransactionId(current: bigint, next: bigint): void {
    if (current !== this.sb.transId) throw new ThinMetadataError('EINVAL', 'mismatched transaction id');
    this.sb.transId = next;
  }

  get needsCheck(): boolean {
    return (this.sb.flags & THIN_METADATA_NEEDS_CHECK_FLAG) !== 0;
  }

  setNeedsCheck(): void {
    this.sb.flags |= THIN_METADATA_NEEDS_CHECK_FLAG;
  }

  /** The top-level mapping tree's root in this transaction (readers that diff or walk the trees themselves). */
  get dataMappingRoot(): number {
    return this.mappingRoot;
  }

  get heldRoot(): number {
    return this.sb.heldRoot;
  }

  get dataBlockSize(): number {
    return this.sb.dataBlockSize;
  }

  /** Both space maps' sizes and free counts (the pool status adds the kernel's metadata reserve on top). */
  usage(): { metadata: { total: number; free: number }; data: { total: number; free: number } } {
    return {
      metadata: { total: this.metadataSm.nrBlocks, free: this.metadataSm.nrFree },
      data: { total: this.dataSm.nrBlocks, free: this.dataSm.nrFree },
    };
  }

  /** Free metadata blocks as the kernel counts them for the pool (see SpaceMap.nrFreeForAllocation). */
  metadataFreeForAllocation(): number {
    return this.metadataSm.nrFreeForAllocation;
  }

  metadataCount(b: number): number {
    return this.metadataSm.count(b);
  }

  dataCount(b: number): number {
    return this.dataSm.count(b);
  }

  /** Device ids in ascending order. */
  devices(): number[] {
    const out: number[] = [];
    this.detailsTree.walk(this.detailsRoot, (k) => void out.push(k));
    for (const id of this.changed.keys()) if (!out.includes(id)) out.push(id);
    return out.sort((a, b) => a - b);
  }

  deviceDetails(id: number): DeviceDetails | undefined {
    const c = this.changed.get(id);
    if (c) return { ...c };
    const v = this.detailsTree.lookup(this.detailsRoot, id);
    return v && decodeDeviceDetails(v);
  }

  private requireDetails(id: number): DeviceDetails {
    const d = this.deviceDetails(id);
    if (!d) throw new ThinMetadataError('ENODATA', `thin device ${id} does not exist`);
    return d;
  }

  private deviceRoot(id: number): number | undefined {
    return this.mapping.deviceRoot(this.mappingRoot, id);
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_DEV_ID) throw new ThinMetadataError('EINVAL', `Message received with invalid device id: ${id}`);
  }

  createThin(id: number): void {
    this.checkId(id);
    if (this.deviceDetails(id)) throw new ThinMetadataError('EEXIST', `thin device ${id} already exists`);
    this.mappingRoot = this.mapping.addDevice(this.mappingRoot, id, this.mapping.bottom.empty());
    this.changed.set(id, { mappedBlocks: 0, transactionId: this.sb.transId, creationTime: this.sb.time, snapshottedTime: this.sb.time });
  }

  /** An O(1) snapshot: the new device shares the origin's mapping tree (§4.3). */
  createSnap(id: number, origin: number): void {
    this.checkId(id);
    if (this.deviceDetails(id)) throw new ThinMetadataError('EEXIST', `thin device ${id} already exists`);
    const o = this.requireDetails(origin);
    const root = this.deviceRoot(origin)!;
    this.tm.inc(root);
    this.mappingRoot = this.mapping.addDevice(this.mappingRoot, id, root);
    this.sb.time++;
    this.changed.set(origin, { ...o, snapshottedTime: this.sb.time });
    this.changed.set(id, { mappedBlocks: o.mappedBlocks, transactionId: this.sb.transId, creationTime: this.sb.time, snapshottedTime: this.sb.time });
  }

  deleteDevice(id: number): void {
    this.requireDetails(id);
    this.changed.delete(id);
    this.detailsRoot = this.detailsTree.remove(this.detailsRoot, id).root;
    this.mappingRoot = this.mapping.removeDevice(this.mappingRoot, id).root;
  }

  private adjustMapped(id: number, by: number): void {
    if (by === 0) return;
    const d = this.requireDetails(id);
    this.changed.set(id, { ...d, mappedBlocks: d.mappedBlocks + by });
  }

  /** A free data block, its count set to 1 (the mapping inserted next takes over that reference). */
  allocDataBlock(): number {
    try {
      return this.dataSm.alloc();
    } catch (e) {
      if (e instanceof NoSpaceError) throw new ThinMetadataError('ENOSPC', 'no free data blocks');
      throw e;
    }
  }

  lookup(id: number, vblock: number): MappingLookup | undefined {
    const d = this.requireDetails(id);
    const bt = this.mapping.lookup(this.mappingRoot, id, vblock);
    return bt && { ...bt, shared: d.snapshottedTime > bt.time };
  }

  /** The first mapping at or after `vblock` (extents and discards walk a range with it, not the whole tree). */
  nextMapped(id: number, vblock: number): [number, MappingLookup] | undefined {
    const d = this.requireDetails(id);
    const r = this.mapping.lookupNext(this.mappingRoot, id, vblock);
    return r && [r[0], { ...r[1], shared: d.snapshottedTime > r[1].time }];
  }

  /**
   * dm_pool_inc_data_range / dm_pool_dec_data_range: the pool pins data blocks it has just
   * unmapped while their discard goes down, so that they are not handed out again meanwhile.
   */
  incDataRange(begin: number, end: number): void {
    for (let b = begin; b < end; b++) this.dataSm.inc(b);
  }

  decDataRange(begin: number, end: number): void {
    for (let b = begin; b < end; b++) this.dataSm.dec(b);
  }

  /** Maps vblock to a data block at the current time; an overwritten block loses its reference. */
  insertMapping(id: number, vblock: number, dataBlock: number): void {
    this.requireDetails(id);
    if (dataBlock >= this.dataSm.nrBlocks) throw new RangeError(`data block ${dataBlock} beyond the data device (${this.dataSm.nrBlocks} blocks)`);
    const r = this.mapping.insert(this.mappingRoot, id, vblock, { block: dataBlock, time: this.sb.time });
    this.mappingRoot = r.root;
    if (r.result) this.adjustMapped(id, 1);
  }

  removeMapping(id: number, vblock: number): boolean {
    this.requireDetails(id);
    const r = this.mapping.remove(this.mappingRoot, id, vblock);
    this.mappingRoot = r.root;
    if (r.result) this.adjustMapped(id, -1);
    return r.result;
  }

  /** Unmaps [begin, end) (discards); returns how many mappings went. */
  removeRange(id: number, begin: number, end: number): number {
    this.requireDetails(id);
    const r = this.mapping.removeRange(this.mappingRoot, id, begin, end);
    this.mappingRoot = r.root;
    this.adjustMapped(id, -r.result);
    return r.result;
  }

  /** Mappings of a device in ascending virtual block order; `visit` returning false stops. */
  mappings(id: number, visit: (vblock: number, m: BlockTime) => boolean | void): void {
    this.requireDetails(id);
    this.mapping.walk(this.mappingRoot, id, visit);
  }

  /** The highest mapped virtual block, for the thin status line. */
  highestMapped(id: number): number | undefined {
    this.requireDetails(id);
    return this.mapping.lastMapped(this.mappingRoot, id);
  }

  resizeData(nrBlocks: number): void {
    if (nrBlocks < this.dataSm.nrBlocks) throw new ThinMetadataError('EINVAL', `pool target (${nrBlocks} blocks) too small: expected ${this.dataSm.nrBlocks}`);
    this.dataSm.extend(nrBlocks);
  }

  resizeMetadata(nrBlocks: number): void {
    const n = Math.min(nrBlocks, METADATA_MAX_BLOCKS, this.bm.nrBlocks);
    if (n < this.metadataSm.nrBlocks) throw new ThinMetadataError('EINVAL', `metadata device (${n} blocks) too small: expected ${this.metadataSm.nrBlocks}`);
    this.metadataSm.extend(n);
  }

  /** A copy of the superblock whose trees stay readable while the pool changes (§6.2). */
  reserveMetadataSnap(): number {
    if (this.sb.heldRoot) throw new ThinMetadataError('EBUSY', 'Pool metadata snapshot already exists: release this before taking another.');
    this.commit();
    this.tm.inc(THIN_SUPERBLOCK_LOCATION);
    const held = this.tm.shadow(THIN_SUPERBLOCK_LOCATION, superblockValidator).block;
    const copy = decodeSuperblock(this.bm.read(held, superblockValidator));
    const zero = { nrBlocks: 0, nrAllocated: 0, bitmapRoot: 0, refCountRoot: 0 };
    this.bm.write(held, encodeSuperblock({ ...copy, blocknr: held, dataSmRoot: zero, metadataSmRoot: zero }), superblockValidator);
    this.tm.inc(copy.dataMappingRoot);
    this.tm.inc(copy.deviceDetailsRoot);
    this.sb.heldRoot = held;
    this.commit();
    return held;
  }

  releaseMetadataSnap(): void {
    const held = this.sb.heldRoot;
    if (!held) throw new ThinMetadataError('EINVAL', 'No pool metadata snapshot found: nothing to release.');
    const copy = decodeSuperblock(this.bm.read(held, superblockValidator));
    this.sb.heldRoot = 0;
    this.mapping.del(copy.dataMappingRoot);
    this.detailsTree.del(copy.deviceDetailsRoot);
    this.tm.dec(held);
  }

  /** __commit_transaction: details, data sm, metadata sm, all other blocks + flush, then the superblock. */
  commit(): void {
    for (const [id, d] of [...this.changed].sort((a, b) => a[0] - b[0])) {
      this.detailsRoot = this.detailsTree.insert(this.detailsRoot, id, encodeDeviceDetails(d)).root;
    }
    this.changed.clear();
    this.dataSm.commit();
    this.metadataSm.commit();
    this.bm.flush();
    this.sb = {
      ...this.sb,
      dataMappingRoot: this.mappingRoot,
      deviceDetailsRoot: this.detailsRoot,
      dataSmRoot: this.dataSm.root(),
      metadataSmRoot: this.metadataSm.root(),
    };
    this.bm.writeDirect(THIN_SUPERBLOCK_LOCATION, encodeSuperblock(this.sb), superblockValidator);
    this.bm.dev.flush();
    this.tm.endTransaction();
  }
}

// An independent check of pool metadata, as thin_check (≥ 1.0) does it: every tree's structure, and
// every metadata and data reference count recomputed from the trees and compared with the space
// maps. thin_check 0.9 does not check data counts or mapped_blocks, so tests rely on this too.
import type { BlockDevice } from '../devices/device.ts';
import { BlockManager } from './block-manager.ts';
import { isLeaf } from './btree-node.ts';
import { checkNode } from './btree-check.ts';
import { INDEX_ENTRY_SIZE, decodeIndexEntry, decodeMetadataIndex, nrBitmaps } from './sm-disk-format.ts';
import { DataSpaceMap } from './space-map-data.ts';
import { MetadataSpaceMap } from './space-map-metadata.ts';
import { REF_COUNT_VALUE_SIZE } from './space-map.ts';
import { type ThinSuperblock, decodeSuperblock } from './superblock.ts';
import { DEVICE_DETAILS_SIZE, decodeBlockTime, decodeDeviceDetails, decodeU64 } from './thin-values.ts';
import { TransactionManager } from './transaction-manager.ts';
import { indexValidator, superblockValidator } from './validator.ts';

export interface ThinCheckReport {
  errors: string[];
  metadataAllocated: number;
  dataAllocated: number;
}

class Counts {
  readonly m = new Map<number, number>();
  add(b: number): number {
    const c = (this.m.get(b) ?? 0) + 1;
    this.m.set(b, c);
    return c;
  }
}

export function checkThinMetadata(dev: BlockDevice): ThinCheckReport {
  const bm = new BlockManager(dev, 256);
  const tm = new TransactionManager(bm);
  const errors: string[] = [];
  const meta = new Counts();
  const data = new Counts();
  /** Entries below each node, so a subtree shared by several devices is walked once. */
  const entriesBelow = new Map<number, number>();

  const walk = (root: number, valueSize: number, onLeafValue: (key: number, v: Uint8Array) => void): number => {
    const visit = (b: number, isRoot: boolean, parentKey: number | undefined): number => {
      if (meta.add(b) > 1) return entriesBelow.get(b) ?? 0;
      const n = tm.readNode(b);
      checkNode(n, b, isRoot, valueSize, parentKey);
      let entries = 0;
      if (isLeaf(n)) {
        n.keys.forEach((k, i) => onLeafValue(k, n.values[i]));
        entries = n.keys.length;
      } else n.keys.forEach((k, i) => (entries += visit(decodeU64(n.values[i]), false, k)));
      entriesBelow.set(b, entries);
      return entries;
    };
    return visit(root, true, undefined);
  };

  const sb = decodeSuperblock(bm.read(0, superblockValidator));
  meta.add(0);
  const walkPool = (s: ThinSuperblock, nrDataBlocks: number) => {
    const details = new Map<number, number>();
    walk(s.deviceDetailsRoot, DEVICE_DETAILS_SIZE, (k, v) => void details.set(k, decodeDeviceDetails(v).mappedBlocks));
    const devices = new Map<number, number>();
    walk(s.dataMappingRoot, 8, (k, v) => {
      const mapped = walk(decodeU64(v), 8, (_vb, bt) => {
        const { block } = decodeBlockTime(bt);
        if (block >= nrDataBlocks) errors.push(`data block ${block} beyond the data device (${nrDataBlocks})`);
        data.add(block);
      });
      devices.set(k, mapped);
    });
    const ids = new Set([...details.keys(), ...devices.keys()]);
    for (const id of ids) {
      if (!details.has(id) || !devices.has(id)) errors.push(`Inconsistency between the details tree and the mapping tree: device ${id}`);
      else if (details.get(id) !== devices.get(id)) errors.push(`device ${id}: mapped_blocks ${details.get(id)}, but ${devices.get(id)} mappings`);
    }
  };
  walkPool(sb, sb.dataSmRoot.nrBlocks);
  if (sb.heldRoot) {
    meta.add(sb.heldRoot);
    walkPool(decodeSuperblock(bm.read(sb.heldRoot, superblockValidator)), sb.dataSmRoot.nrBlocks);
  }

  // The space maps' own blocks.
  const mroot = sb.metadataSmRoot;
  meta.add(mroot.bitmapRoot);
  for (const e of decodeMetadataIndex(bm.read(mroot.bitmapRoot, indexValidator), nrBitmaps(mroot.nrBlocks))) meta.add(e.blocknr);
  walk(mroot.refCountRoot, REF_COUNT_VALUE_SIZE, () => {});
  const droot = sb.dataSmRoot;
  let dataBitmaps = 0;
  walk(droot.bitmapRoot, INDEX_ENTRY_SIZE, (k, v) => {
    if (k !== dataBitmaps) errors.push(`data space map index: bitmap ${k} out of sequence`);
    dataBitmaps++;
    meta.add(decodeIndexEntry(v).blocknr);
  });
  if (dataBitmaps !== nrBitmaps(droot.nrBlocks)) errors.push(`data space map has ${dataBitmaps} bitmaps, expected ${nrBitmaps(droot.nrBlocks)}`);
  walk(droot.refCountRoot, REF_COUNT_VALUE_SIZE, () => {});

  const msm = MetadataSpaceMap.open(tm, mroot);
  const dsm = DataSpaceMap.open(tm, droot);
  const compare = (what: string, nr: number, expected: Counts, count: (b: number) => number, nrAllocated: number): number => {
    let allocated = 0;
    for (let b = 0; b < nr; b++) {
      const want = expected.m.get(b) ?? 0;
      const have = count(b);
      if (have) allocated++;
      if (want !== have) errors.push(`${what} block ${b}: count ${have}, expected ${want}`);
    }
    for (const b of expected.m.keys()) if (b >= nr) errors.push(`${what} block ${b} referenced beyond the space map`);
    if (allocated !== nrAllocated) errors.push(`${what} space map: nr_allocated ${nrAllocated}, but ${allocated} blocks in use`);
    return allocated;
  };
  const metadataAllocated = compare('metadata', mroot.nrBlocks, meta, (b) => msm.count(b), mroot.nrAllocated);
  const dataAllocated = compare('data', droot.nrBlocks, data, (b) => dsm.count(b), droot.nrAllocated);
  return { errors, metadataAllocated, dataAllocated };
}

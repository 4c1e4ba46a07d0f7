// What an LV *is* (origin, COW, thin pool, pool data ...), derived from the VG metadata the way
// lvm derives its in-memory status bits on import. Shared by reports and display commands.
import { isVisible, segType } from '../model/types.ts';
import type { LogicalVolume, Segment, SnapshotSegment, ThinPoolSegment, ThinSegment, VolumeGroup } from '../model/types.ts';
import { snapshotLinks } from '../model/snapshots.ts';

export function hasFlag(lv: LogicalVolume, flag: string): boolean {
  return lv.status.includes(flag) || lv.flags.includes(flag);
}

/**
 * Who refers to whom inside a VG, built once per VG: the relations below are asked for every LV
 * of every report row, and scanning the VG each time made reports quadratic in the LV count.
 */
interface VgIndex {
  byName: Map<string, LogicalVolume>;
  /** cow_store (or merging_store) name → the snapshot segment that names it. */
  snapSegByCow: Map<string, SnapshotSegment>;
  /** origin name → its COW LVs, in VG order. */
  cowsByOrigin: Map<string, LogicalVolume[]>;
  /** COW stores being merged (`lvconvert --merge`) and the origins they merge into. */
  mergingCows: Set<string>;
  mergingOrigins: Set<string>;
  poolData: Set<string>;
  poolMeta: Set<string>;
  thinOrigins: Set<string>;
  externalOrigins: Set<string>;
}

const indexes = new WeakMap<LogicalVolume[], { count: number; index: VgIndex }>();

function vgIndex(vg: VolumeGroup): VgIndex {
  const cached = indexes.get(vg.lvs);
  if (cached && cached.count === vg.lvs.length) return cached.index;
  const ix: VgIndex = {
    byName: new Map(), snapSegByCow: new Map(), cowsByOrigin: new Map(), mergingCows: new Set(), mergingOrigins: new Set(),
    poolData: new Set(), poolMeta: new Set(), thinOrigins: new Set(), externalOrigins: new Set(),
  };
  for (const l of vg.lvs) if (!ix.byName.has(l.name)) ix.byName.set(l.name, l);
  // Snapshot relations come from the model, so reports and commands agree on them.
  for (const link of snapshotLinks(vg)) {
    if (!ix.snapSegByCow.has(link.cow)) ix.snapSegByCow.set(link.cow, link.seg);
    const cowLv = ix.byName.get(link.cow);
    if (cowLv) ix.cowsByOrigin.set(link.origin, [...(ix.cowsByOrigin.get(link.origin) ?? []), cowLv]);
    if (link.merging) {
      ix.mergingCows.add(link.cow);
      ix.mergingOrigins.add(link.origin);
    }
  }
  for (const l of vg.lvs) {
    const f = l.segments[0];
    if (!f) continue;
    if (f.kind === 'thin-pool') {
      ix.poolData.add(f.pool);
      ix.poolMeta.add(f.metadata);
    } else if (f.kind === 'thin') {
      if (f.origin !== undefined) ix.thinOrigins.add(f.origin);
      if (f.externalOrigin !== undefined) ix.externalOrigins.add(f.externalOrigin);
    }
  }
  indexes.set(vg.lvs, { count: vg.lvs.length, index: ix });
  return ix;
}

export function lvByName(vg: VolumeGroup, name: string): LogicalVolume | undefined {
  return vgIndex(vg).byName.get(name);
}

function firstSeg(lv: LogicalVolume): Segment | undefined {
  return lv.segments[0];
}

export function firstSegType(lv: LogicalVolume): string {
  const s = firstSeg(lv);
  return s ? segType(s) : '';
}

/** The hidden `snapshotN` segment whose cow_store is this LV (lvm's find_snapshot). */
export function snapshotSegOfCow(vg: VolumeGroup, lv: LogicalVolume): SnapshotSegment | undefined {
  return vgIndex(vg).snapSegByCow.get(lv.name);
}

export function isCow(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return snapshotSegOfCow(vg, lv) !== undefined;
}

/** lvm's lv_is_merging_cow: a snapshot `lvconvert --merge` is rolling its origin back to. */
export function isMergingCow(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).mergingCows.has(lv.name);
}

/** lvm's lv_is_merging_origin. */
export function isMergingOrigin(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).mergingOrigins.has(lv.name);
}

/** The internal LV carrying the snapshot segment itself (never reported). */
export function isSnapshotHolder(lv: LogicalVolume): boolean {
  return firstSeg(lv)?.kind === 'snapshot';
}

export function originOfCow(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  const s = snapshotSegOfCow(vg, lv);
  return s ? lvByName(vg, s.origin) : undefined;
}

export function cowsOfOrigin(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume[] {
  return vgIndex(vg).cowsByOrigin.get(lv.name) ?? [];
}

export function isOrigin(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return cowsOfOrigin(vg, lv).length > 0;
}

export function isThinPool(lv: LogicalVolume): boolean {
  return firstSeg(lv)?.kind === 'thin-pool';
}

export function isThinVolume(lv: LogicalVolume): boolean {
  return firstSeg(lv)?.kind === 'thin';
}

/** The segment of a thin pool LV (its first). */
export function thinPoolSeg(lv: LogicalVolume): ThinPoolSegment | undefined {
  const s = firstSeg(lv);
  return s?.kind === 'thin-pool' ? s : undefined;
}

/** The segment of a thin LV (its first). */
export function thinSeg(lv: LogicalVolume): ThinSegment | undefined {
  const s = firstSeg(lv);
  return s?.kind === 'thin' ? s : undefined;
}

export function isThinPoolData(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).poolData.has(lv.name);
}

export function isThinPoolMetadata(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).poolMeta.has(lv.name);
}

/** lvm marks a hidden LV named `*_pmspare` as the pool metadata spare when reading metadata. */
export function isPmSpare(lv: LogicalVolume): boolean {
  return !isVisible(lv) && lv.name.includes('_pmspare');
}

/** Pool of a thin volume. */
export function thinPoolOf(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  const s = thinSeg(lv);
  return s ? lvByName(vg, s.thinPool) : undefined;
}

/** Origin of a thin snapshot (or its external origin). */
export function thinOriginOf(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  const s = thinSeg(lv);
  const name = s ? (s.origin ?? s.externalOrigin) : undefined;
  return name !== undefined ? lvByName(vg, name) : undefined;
}

export function isThinOrigin(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).thinOrigins.has(lv.name);
}

export function isExternalOrigin(vg: VolumeGroup, lv: LogicalVolume): boolean {
  return vgIndex(vg).externalOrigins.has(lv.name);
}

/** lvm's lv_origin_lv: origin of a COW snapshot or of a thin snapshot. */
export function originLv(vg: VolumeGroup, lv: LogicalVolume): LogicalVolume | undefined {
  return originOfCow(vg, lv) ?? thinOriginOf(vg, lv);
}

/** Zeroing of new blocks for a thin pool (or for a thin LV, its pool). */
export function thinZero(vg: VolumeGroup, lv: LogicalVolume): boolean | undefined {
  const pool = isThinPool(lv) ? lv : thinPoolOf(vg, lv);
  const seg = pool ? thinPoolSeg(pool) : undefined;
  return seg ? seg.zeroNewBlocks : undefined;
}

/**
 * lvm's lv_is_visible: a COW snapshot is shown when its origin is, unless it is merging; the
 * snapshot holder never.
 */
export function isLvVisibleForReport(vg: VolumeGroup, lv: LogicalVolume): boolean {
  if (isSnapshotHolder(lv)) return false;
  if (isMergingCow(vg, lv)) return false;
  const origin = originOfCow(vg, lv);
  if (origin) return isLvVisibleForReport(vg, origin);
  return isVisible(lv);
}

/** Name as `lvs` shows it: hidden LVs in brackets. */
export function lvDisplayName(vg: VolumeGroup, lv: LogicalVolume): string {
  return isLvVisibleForReport(vg, lv) ? lv.name : `[${lv.name}]`;
}

/** vg lv_count: visible LVs (COW snapshots included). */
export function visibleLvCount(vg: VolumeGroup): number {
  return vg.lvs.filter((lv) => isLvVisibleForReport(vg, lv)).length;
}

export function snapshotCount(vg: VolumeGroup): number {
  return vg.lvs.filter((lv) => isCow(vg, lv)).length;
}

export function extentsOf(lv: LogicalVolume): number {
  let n = 0;
  for (const s of lv.segments) n += s.extentCount;
  return n;
}

/** Chunk size in sectors (COW snapshot or pool), 0 otherwise. */
export function chunkSize(vg: VolumeGroup, lv: LogicalVolume, seg: Segment): number {
  const snap = snapshotSegOfCow(vg, lv);
  if (snap) return snap.chunkSize;
  if (seg.kind === 'thin-pool') return seg.chunkSize;
  // cache-pool is no type of ulvm's: its chunk size is read from the kept keys.
  if (seg.kind === 'unknown' && segType(seg) === 'cache-pool') {
    const v = seg.nodes.find((n) => n.key === 'chunk_size')?.value;
    return v?.kind === 'int' ? v.value : 0;
  }
  return 0;
}

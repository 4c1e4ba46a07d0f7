// Which LVs follow the PVs that vgsplit moves into another VG, as lvm2's vgsplit.c decides it:
// plain LVs go where their PV extents are (never both ways), pools with their data and metadata,
// thin LVs with their pool's data, snapshots only with both their origin and their COW store.
import type { LogicalVolume, Segment, VolumeGroup } from './types.ts';
import { segAreas } from './types.ts';
import { snapshotCow } from './types.ts';

/** The VGs of a split, modified in place: `from` loses what `to` gains. */
export interface SplitSides {
  from: VolumeGroup;
  to: VolumeGroup;
  /** True when the LV (of `from`) is active: lvm2 moves no active LV. */
  isActive: (lv: LogicalVolume) => boolean;
  /** The LVs a segment is made of or names (its segment type knows; raid and the like are kept raw). */
  references: (seg: Segment) => string[];
}

/** A refusal: lvm2's message (nothing is written then). */
export class SplitRefusal extends Error {}

const pvIds = (vg: VolumeGroup): Set<string> => new Set(vg.pvs.map((p) => p.id));

function lvIn(vg: VolumeGroup, name: string | undefined): LogicalVolume | undefined {
  return name === undefined ? undefined : vg.lvs.find((l) => l.name === name);
}

/** lvm2's lv_is_on_pvs: some extent of the LV (or of the LVs it is built on) is on one of these PVs. */
function onPvs(vg: VolumeGroup, lv: LogicalVolume, pvs: Set<string>, seen = new Set<string>()): boolean {
  if (seen.has(lv.name)) return false;
  seen.add(lv.name);
  for (const seg of lv.segments) {
    for (const a of segAreas(seg)) {
      if (a.kind === 'pv' && pvs.has(a.pvId)) return true;
      if (a.kind === 'lv') {
        const sub = lvIn(vg, a.lv);
        if (sub && onPvs(vg, sub, pvs, seen)) return true;
      }
    }
    if (seg.kind === 'thin-pool') {
      for (const n of [seg.pool, seg.metadata]) {
        const sub = lvIn(vg, n);
        if (sub && onPvs(vg, sub, pvs, seen)) return true;
      }
    }
  }
  return false;
}

/** lvm2's _lv_tree_move: the LV and the LVs its first segment's areas are made of. */
function treeMove(s: SplitSides, lv: LogicalVolume): void {
  s.from.lvs = s.from.lvs.filter((l) => l !== lv);
  s.to.lvs.push(lv);
  const first = lv.segments[0];
  if (!first) return;
  for (const a of segAreas(first)) {
    if (a.kind !== 'lv') continue;
    const sub = lvIn(s.from, a.lv);
    if (sub) treeMove(s, sub);
  }
}

/** lvm2's _move_one_lv. */
function moveOne(s: SplitSides, lv: LogicalVolume): void {
  if (s.isActive(lv)) throw new SplitRefusal(`Logical volume ${s.from.name}/${lv.name} must be inactive.`);
  if (onPvs(s.from, lv, pvIds(s.from))) throw new SplitRefusal(`Can't split LV ${lv.name} between two Volume Groups`);
  treeMove(s, lv);
}

const kindOf = (lv: LogicalVolume): string => lv.segments[0]?.kind ?? 'striped';
const isSnapshotHolder = (lv: LogicalVolume): boolean => lv.segments.some((g) => g.kind === 'snapshot');
const isThin = (lv: LogicalVolume): boolean => kindOf(lv) === 'thin' || kindOf(lv) === 'thin-pool';

/** lvm2's _move_lvs: plain LVs whose PV extents are all on the moved PVs. */
function moveLvs(s: SplitSides): void {
  const fromPvs = pvIds(s.from);
  const toPvs = pvIds(s.to);
  for (const lv of [...s.from.lvs]) {
    if (!s.from.lvs.includes(lv) || isSnapshotHolder(lv) || isThin(lv)) continue;
    let side: 'from' | 'to' | undefined;
    for (const seg of lv.segments)
      for (const a of segAreas(seg)) {
        if (a.kind !== 'pv') continue;
        const here = fromPvs.has(a.pvId) ? 'from' : toPvs.has(a.pvId) ? 'to' : undefined;
        if (!here) throw new SplitRefusal(`Physical Volume ${a.pvId} not found`);
        if (side && side !== here) throw new SplitRefusal(`Can't split Logical Volume ${lv.name} between two Volume Groups`);
        side = here;
      }
    // An LV built on other LVs (raid, mirror, cache kept raw) goes with them: afterwards.
    if (lv.segments.some((g) => s.references(g).length)) continue;
    // lvm2 moves an LV with no PV extents at all too (it is not "with" the old VG).
    if (side !== 'from') moveOne(s, lv);
  }
  moveStacked(s);
}

/**
 * LVs made of other LVs (lvm2's _move_raids and _move_mirrors for the types ulvm keeps raw): they
 * follow their sub-LVs when all of them moved, and may not be left with only some.
 */
function moveStacked(s: SplitSides): void {
  for (const lv of [...s.from.lvs]) {
    if (!s.from.lvs.includes(lv) || isSnapshotHolder(lv) || isThin(lv)) continue;
    const subs = [...new Set(lv.segments.flatMap((g) => s.references(g)))];
    if (!subs.length) continue;
    const moved = subs.filter((n) => lvIn(s.to, n)).length;
    if (moved && moved < subs.length) throw new SplitRefusal(`Can't split Logical Volume ${lv.name} between two Volume Groups`);
    if (moved) {
      s.from.lvs = s.from.lvs.filter((l) => l !== lv);
      s.to.lvs.push(lv);
    }
  }
}

/** lvm2's _move_thins: thin LVs follow their pool's data LV; a pool moves with data and metadata. */
function moveThins(s: SplitSides): void {
  const toPvs = pvIds(s.to);
  for (const lv of [...s.from.lvs]) {
    const seg = lv.segments[0];
    if (!seg || !s.from.lvs.includes(lv)) continue;
    if (seg.kind === 'thin') {
      const pool = lvIn(s.from, seg.thinPool) ?? lvIn(s.to, seg.thinPool);
      const ps = pool?.segments[0];
      const data = ps?.kind === 'thin-pool' ? ps.pool : undefined;
      if (data !== undefined && lvIn(s.to, data)) moveOne(s, lv);
    } else if (seg.kind === 'thin-pool') {
      const data = lvIn(s.from, seg.pool) ?? lvIn(s.to, seg.pool);
      if (!data || !onPvs(s.to, data, toPvs)) continue;
      if (lvIn(s.to, seg.pool) || lvIn(s.to, seg.metadata)) {
        if (lvIn(s.from, seg.metadata) || lvIn(s.from, seg.pool)) throw new SplitRefusal(`Can't split pool data and metadata ${lv.name} between two Volume Groups.`);
        moveOne(s, lv);
      }
    }
  }
}

/** lvm2's _move_snapshots: the snapshotN LV goes only when its origin and COW store both went. */
function moveSnapshots(s: SplitSides): void {
  for (const lv of [...s.from.lvs]) {
    if (!s.from.lvs.includes(lv)) continue;
    for (const seg of lv.segments) {
      if (seg.kind !== 'snapshot') continue;
      const cow = snapshotCow(seg);
      const cowFrom = lvIn(s.from, cow) !== undefined;
      const originFrom = lvIn(s.from, seg.origin) !== undefined;
      if (cowFrom && originFrom) continue;
      if (cowFrom !== originFrom) throw new SplitRefusal(`Can't split snapshot ${cow} between two Volume Groups`);
      if (lvIn(s.to, cow) && lvIn(s.to, seg.origin)) moveOne(s, lv);
    }
  }
}

/**
 * Moves the LVs that must follow the PVs already moved from `from` to `to` (lvm2's order of
 * passes, so that its first refusal is ours too). Throws SplitRefusal, leaving the sides half
 * moved: callers work on copies.
 */
export function moveLvsWithPvs(s: SplitSides): void {
  moveLvs(s);
  moveThins(s);
  moveSnapshots(s);
}

/** The PVs an LV and the LVs it is built on have extents on, in segment order (vgsplit -n). */
export function pvsUsedByLv(vg: VolumeGroup, lv: LogicalVolume, references: (seg: Segment) => string[], seen = new Set<string>()): string[] {
  if (seen.has(lv.name)) return [];
  seen.add(lv.name);
  const out: string[] = [];
  for (const seg of lv.segments) {
    // The LVs it is made of (a thin LV's pool and a snapshot's origin are not).
    const subs = seg.kind === 'thin' || seg.kind === 'snapshot' ? [] : references(seg);
    for (const n of subs) {
      const sub = lvIn(vg, n);
      if (sub) out.push(...pvsUsedByLv(vg, sub, references, seen));
    }
    for (const a of segAreas(seg)) if (a.kind === 'pv') out.push(a.pvId);
  }
  return [...new Set(out)];
}

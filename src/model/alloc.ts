// Extent allocation following lvm2's "normal" policy: contiguous to the previous segment first,
// then cling to its PVs, then per PV the smallest free area that fits (else the largest),
// biggest candidates first, preferring PVs already used by this allocation.
import type { Area, LogicalVolume, Segment, StripedSegment, VolumeGroup } from './types.ts';
import { areaExtents, segAreas } from './types.ts';

export interface FreeArea {
  pvId: string;
  start: number;
  count: number;
}

/** Free PE runs per PV (in VG PV order), each list sorted by start. */
export function freeAreas(vg: VolumeGroup, onlyPvs?: Set<string>): Map<string, FreeArea[]> {
  const used = new Map<string, [number, number][]>();
  for (const lv of vg.lvs)
    for (const seg of lv.segments) {
      const areas = segAreas(seg);
      if (!areas.length) continue;
      const per = areaExtents(seg);
      for (const a of areas) {
        if (a.kind !== 'pv') continue;
        let l = used.get(a.pvId);
        if (!l) used.set(a.pvId, (l = []));
        l.push([a.pe, a.pe + per]);
      }
    }
  const out = new Map<string, FreeArea[]>();
  for (const pv of vg.pvs) {
    if (onlyPvs && !onlyPvs.has(pv.id)) continue;
    const list: FreeArea[] = [];
    if (pv.status.includes('ALLOCATABLE') && !pv.flags.includes('MISSING')) {
      const u = (used.get(pv.id) ?? []).sort((a, b) => a[0] - b[0]);
      let pos = 0;
      for (const [s, e] of u) {
        if (s > pos) list.push({ pvId: pv.id, start: pos, count: s - pos });
        pos = Math.max(pos, e);
      }
      if (pos < pv.peCount) list.push({ pvId: pv.id, start: pos, count: pv.peCount - pos });
    }
    out.set(pv.id, list);
  }
  return out;
}

export function freeExtents(vg: VolumeGroup, onlyPvs?: Set<string>): number {
  let n = 0;
  for (const l of freeAreas(vg, onlyPvs).values()) for (const a of l) n += a.count;
  return n;
}

export interface AllocRequest {
  /** Total logical extents wanted (a multiple of stripes). */
  extents: number;
  stripes: number;
  stripeSize?: number;
  /** Restrict to these PVs (command-line PV list). */
  pvs?: Set<string>;
  /** Extend this LV (its last segment guides contiguous/cling placement). */
  extend?: LogicalVolume;
  /** Take what there is instead of failing (percent sizes). */
  approximate?: boolean;
}

export interface AllocResult {
  /** New segments, start_extent relative to the LV's current end. */
  segments: StripedSegment[];
  allocated: number;
}

interface Chunk {
  pvId: string;
  pe: number;
  len: number;
}

function take(areas: Map<string, FreeArea[]>, pvId: string, pe: number, len: number): void {
  const list = areas.get(pvId)!;
  const i = list.findIndex((a) => a.start <= pe && pe + len <= a.start + a.count);
  const a = list[i]!;
  const parts: FreeArea[] = [];
  if (pe > a.start) parts.push({ pvId, start: a.start, count: pe - a.start });
  if (pe + len < a.start + a.count) parts.push({ pvId, start: pe + len, count: a.start + a.count - pe - len });
  list.splice(i, 1, ...parts);
}

/** Free areas of one PV, largest first (ties by position), as lvm2's pv_map keeps them. */
function bySize(list: FreeArea[]): FreeArea[] {
  return [...list].sort((a, b) => b.count - a.count || a.start - b.start);
}

export function allocate(vg: VolumeGroup, req: AllocRequest): AllocResult | undefined {
  const areas = freeAreas(vg, req.pvs);
  const stripes = req.stripes;
  let perStripeNeeded = req.extents / stripes;
  const rows: Chunk[][] = []; // each row = one parallel allocation (one chunk per stripe)
  const prev = req.extend?.segments[req.extend.segments.length - 1];
  const prevAreas = prev && prev.kind === 'striped' && prev.areas.length === stripes && prev.areas.every((a) => a.kind === 'pv') ? (prev.areas as Extract<Area, { kind: 'pv' }>[]) : undefined;
  const prevPer = prev && prevAreas ? prev.extentCount / stripes : 0;

  // Contiguous: continue every stripe right where the previous segment ends.
  if (prevAreas && perStripeNeeded > 0) {
    const found = prevAreas.map((a) => areas.get(a.pvId)?.find((f) => f.start === a.pe + prevPer));
    if (found.every((f) => f)) {
      const len = Math.min(perStripeNeeded, ...found.map((f) => f!.count));
      const row = prevAreas.map((a) => ({ pvId: a.pvId, pe: a.pe + prevPer, len }));
      row.forEach((c) => take(areas, c.pvId, c.pe, c.len));
      rows.push(row);
      perStripeNeeded -= len;
    }
  }
  // Cling: stay on the PVs of the previous segment.
  while (prevAreas && perStripeNeeded > 0) {
    const found = prevAreas.map((a) => bySize(areas.get(a.pvId) ?? [])[0]);
    if (!found.every((f) => f)) break;
    const len = Math.min(perStripeNeeded, ...found.map((f) => f!.count));
    const row = found.map((f) => ({ pvId: f!.pvId, pe: f!.start, len }));
    row.forEach((c) => take(areas, c.pvId, c.pe, c.len));
    rows.push(row);
    perStripeNeeded -= len;
  }
  // Normal.
  let clingToAlloced = false;
  while (perStripeNeeded > 0) {
    const usedPvs = new Set(rows.flat().map((c) => c.pvId));
    const cands: { area: FreeArea; used: number }[] = [];
    for (const [pvId, list] of areas) {
      if (clingToAlloced && !usedPvs.has(pvId)) continue;
      const sorted = bySize(list);
      if (!sorted.length) continue;
      const fits = sorted.filter((a) => a.count >= perStripeNeeded);
      const area = fits.length ? fits[fits.length - 1]! : sorted[0]!;
      cands.push({ area, used: Math.min(area.count, perStripeNeeded) });
    }
    if (cands.length < stripes) {
      if (clingToAlloced) {
        clingToAlloced = false;
        continue;
      }
      break;
    }
    cands.sort((a, b) => b.used - a.used); // stable, like glibc's merge sort
    const chosen = cands.slice(0, stripes);
    const len = Math.min(...chosen.map((c) => c.used));
    const row = chosen.map((c) => ({ pvId: c.area.pvId, pe: c.area.start, len }));
    row.forEach((c) => take(areas, c.pvId, c.pe, c.len));
    rows.push(row);
    perStripeNeeded -= len;
    if (stripes === 1) clingToAlloced = true;
  }
  if (perStripeNeeded > 0 && !req.approximate) return undefined;

  const segments: StripedSegment[] = [];
  let le = 0;
  for (const row of rows) {
    const seg: StripedSegment = {
      kind: 'striped',
      startExtent: le,
      extentCount: row[0]!.len * stripes,
      type: 'striped',
      tags: [],
      areas: row.map((c) => ({ kind: 'pv', pvId: c.pvId, pe: c.pe })),
    };
    if (stripes > 1) seg.stripeSize = req.stripeSize ?? 128;
    segments.push(seg);
    le += seg.extentCount;
  }
  return { segments, allocated: le };
}

/** Appends new segments to an LV, merging a segment that continues the previous one on every stripe. */
export function appendSegments(lv: LogicalVolume, segs: Segment[]): void {
  let le = lv.segments.reduce((n, s) => n + s.extentCount, 0);
  for (const s of segs) {
    const prev = lv.segments[lv.segments.length - 1];
    const seg = { ...s, startExtent: le };
    le += s.extentCount;
    if (prev && canMerge(prev, seg)) {
      prev.extentCount += seg.extentCount;
      continue;
    }
    lv.segments.push(seg);
  }
}

function canMerge(a: Segment, b: Segment): boolean {
  if (a.kind !== 'striped' || b.kind !== 'striped' || a.type !== b.type) return false;
  if (a.areas.length !== b.areas.length || a.stripeSize !== b.stripeSize) return false;
  const per = a.extentCount / a.areas.length;
  return a.areas.every((x, i) => {
    const y = b.areas[i]!;
    return x.kind === 'pv' && y.kind === 'pv' && x.pvId === y.pvId && y.pe === x.pe + per;
  });
}

/** Drops `extents` logical extents from the end of an LV (lvreduce). */
export function truncateLv(lv: LogicalVolume, newExtents: number): void {
  const segs: Segment[] = [];
  for (const s of lv.segments) {
    if (s.startExtent >= newExtents) break;
    if (s.startExtent + s.extentCount > newExtents) {
      const keep = newExtents - s.startExtent;
      segs.push({ ...s, extentCount: keep });
    } else segs.push(s);
  }
  lv.segments = segs;
}

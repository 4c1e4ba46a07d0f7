// Building report rows for the final report type (one per VG, LV, LV segment, PV, PV segment).
import type { LogicalVolume, Segment, VolumeGroup } from '../model/types.ts';
import { areaExtents, segAreas } from '../model/types.ts';
import type { LvObject, PvObject, PvSegObject, VgObject } from './objects.ts';
import type { RowCtx } from './fields.ts';
import { isLvVisibleForReport, isSnapshotHolder } from './lv-info.ts';

export type RowType = 'VGS' | 'LVS' | 'SEGS' | 'PVS' | 'LABEL' | 'PVSEGS';

export interface ReportInput {
  pvs?: PvObject[];
  pvsegs?: PvSegObject[];
  vgs?: VgObject[];
  lvs?: LvObject[];
}

/** PV segments of one PV in PE order, free gaps included (lvm's pv->segments). */
export function pvSegmentsOf(pvo: PvObject): PvSegObject[] {
  const pv = pvo.pv;
  const vg = pvo.vg;
  if (!pv || !vg) return [{ pvo, start: 0, size: 0 }];
  const used: PvSegObject[] = [];
  for (const lv of vg.lvs) {
    for (const seg of lv.segments) {
      for (const a of segAreas(seg)) {
        if (a.kind === 'pv' && a.pvId === pv.id) used.push({ pvo, start: a.pe, size: areaExtents(seg), lv, seg });
      }
    }
  }
  used.sort((a, b) => a.start - b.start);
  const out: PvSegObject[] = [];
  let pe = 0;
  for (const u of used) {
    if (u.start > pe) out.push({ pvo, start: pe, size: u.start - pe });
    out.push(u);
    pe = u.start + u.size;
  }
  if (pe < pv.peCount) out.push({ pvo, start: pe, size: pv.peCount - pe });
  return out;
}

function vgObjectFor(input: ReportInput, vg: VolumeGroup): VgObject {
  const found = input.vgs?.find((v) => v.vg === vg) ?? input.lvs?.find((l) => l.vgo.vg === vg)?.vgo;
  if (found) return found;
  const pvDevice = new Map<string, string>();
  for (const p of input.pvs ?? []) if (p.pv && p.vg === vg) pvDevice.set(p.pv.id, p.name);
  for (const pv of vg.pvs) if (!pvDevice.has(pv.id)) pvDevice.set(pv.id, pv.device);
  return { vg, mdaCount: 0, mdaUsedCount: 0, mdaSize: 0, mdaFree: 0, missingPvIds: new Set(), pvDevice };
}

function lvObjectFor(input: ReportInput, vgo: VgObject, lv: LogicalVolume): LvObject {
  return input.lvs?.find((l) => l.lv === lv) ?? { vgo, lv, activation: { state: 'unknown' } };
}

/** LVs of the input (or of the input VGs), hidden ones only with -a, never snapshot holders. */
function lvObjects(input: ReportInput, all: boolean): LvObject[] {
  let list: LvObject[];
  if (input.lvs) list = input.lvs;
  else {
    list = [];
    for (const vgo of input.vgs ?? []) for (const lv of vgo.vg.lvs) list.push(lvObjectFor(input, vgo, lv));
  }
  return list.filter((o) => !isSnapshotHolder(o.lv) && (all || isLvVisibleForReport(o.vgo.vg, o.lv)));
}

export function buildRows(type: RowType, input: ReportInput, all: boolean): RowCtx[] {
  switch (type) {
    case 'VGS':
      return (input.vgs ?? []).map((vgo) => ({ vgo }));
    case 'LVS':
      return lvObjects(input, all).map((lvo) => ({ lvo, vgo: lvo.vgo }));
    case 'SEGS': {
      const rows: RowCtx[] = [];
      for (const lvo of lvObjects(input, all)) for (const seg of lvo.lv.segments) rows.push({ lvo, vgo: lvo.vgo, seg });
      return rows;
    }
    case 'PVS':
    case 'LABEL': {
      const orphanPvSeen = hasOrphanPv(input, all);
      return pvObjects(input, all).map((pvo) => ({ pvo, vgo: pvo.vg ? vgObjectFor(input, pvo.vg) : undefined, orphanPvSeen }));
    }
    case 'PVSEGS': {
      const rows: RowCtx[] = [];
      const orphanPvSeen = hasOrphanPv(input, all);
      for (const pvo of pvObjects(input, all)) {
        const vgo = pvo.vg ? vgObjectFor(input, pvo.vg) : undefined;
        const segs = input.pvsegs?.filter((s) => s.pvo === pvo) ?? pvSegmentsOf(pvo);
        for (const ps of segs) {
          const row: RowCtx = { pvo, vgo, pvseg: ps, orphanPvSeen };
          if (ps.lv && vgo) {
            row.lvo = lvObjectFor(input, vgo, ps.lv);
            row.seg = ps.seg;
          } else {
            row.seg = freeSegment(ps);
          }
          rows.push(row);
        }
      }
      return rows;
    }
  }
}

/** lvm reports free PV space through a dummy segment of the free length. */
function freeSegment(ps: PvSegObject): Segment {
  // lvm2 reports free space as a segment of its own "free" type.
  return { kind: 'unknown', startExtent: 0, extentCount: ps.size, type: 'free', tags: [], nodes: [] };
}

function hasOrphanPv(input: ReportInput, all: boolean): boolean {
  return pvObjects(input, all).some((p) => p.isPv && !p.vg);
}

function pvObjects(input: ReportInput, all: boolean): PvObject[] {
  return (input.pvs ?? []).filter((p) => all || p.isPv);
}

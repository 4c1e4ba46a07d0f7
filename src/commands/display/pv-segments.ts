// A PV's extents as lvm2's pv_segment list sees them: runs that belong to one LV segment area,
// and the free gaps between them. pvdisplay -m prints these; Allocated PE sums them.
import { areaExtents, type LogicalVolume, type PhysicalVolume, type Segment, type VolumeGroup, segAreas } from '../../model/types.ts';

export interface PvRun {
  /** First PE of the run. */
  pe: number;
  len: number;
  /** Owner when allocated. */
  lv?: LogicalVolume;
  seg?: Segment;
}

/** Extents each area of a segment spans (kept under this name for the display code). */
export const areaLen = areaExtents;

function usedRuns(vg: VolumeGroup, pvId: string): PvRun[] {
  const runs: PvRun[] = [];
  for (const lv of vg.lvs)
    for (const seg of lv.segments)
      for (const a of segAreas(seg))
        if (a.kind === 'pv' && a.pvId === pvId) runs.push({ pe: a.pe, len: areaLen(seg), lv, seg });
  return runs.sort((x, y) => x.pe - y.pe);
}

/** All runs of the PV in PE order, free gaps included (as one run each). */
export function pvRuns(vg: VolumeGroup, pv: PhysicalVolume): PvRun[] {
  const out: PvRun[] = [];
  let next = 0;
  for (const r of usedRuns(vg, pv.id)) {
    if (r.pe > next) out.push({ pe: next, len: r.pe - next });
    out.push(r);
    next = Math.max(next, r.pe + r.len);
  }
  if (next < pv.peCount) out.push({ pe: next, len: pv.peCount - next });
  return out;
}

/** pe_alloc_count. */
export function allocatedExtents(vg: VolumeGroup, pvId: string): number {
  let n = 0;
  for (const r of usedRuns(vg, pvId)) n += r.len;
  return n;
}

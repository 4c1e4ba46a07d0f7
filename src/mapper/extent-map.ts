// Where an LV's bytes live on its PVs, for linear and striped segments: the table the kernel's
// linear/striped targets would get. Used to zero and wipe new LVs, and later by the data path.
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../model/types.ts';

export interface PvExtent {
  pv: PhysicalVolume;
  /** Byte offset on the PV device. */
  offset: number;
  length: number;
}

/** Maps [offset, offset+length) of the LV (bytes) onto PV byte ranges, in LV order. */
export function mapLvRange(vg: VolumeGroup, lv: LogicalVolume, offset: number, length: number): PvExtent[] {
  const out: PvExtent[] = [];
  const extentBytes = vg.extentSize * 512;
  const pvs = new Map(vg.pvs.map((p) => [p.id, p] as const));
  let pos = offset;
  const end = offset + length;
  for (const seg of lv.segments) {
    const segStart = seg.startExtent * extentBytes;
    const segEnd = segStart + seg.extentCount * extentBytes;
    if (pos >= end) break;
    if (segEnd <= pos) continue;
    if (seg.kind !== 'striped') throw new Error(`Segment type ${seg.type} of ${lv.name} has no direct mapping.`);
    const stripes = seg.areas.length;
    const stripeBytes = stripes > 1 ? (seg.stripeSize ?? 128) * 512 : seg.extentCount * extentBytes;
    while (pos < end && pos < segEnd) {
      const rel = pos - segStart;
      const chunk = Math.floor(rel / stripeBytes);
      const within = rel - chunk * stripeBytes;
      const stripe = chunk % stripes;
      const row = Math.floor(chunk / stripes);
      const area = seg.areas[stripe]!;
      if (area.kind !== 'pv') throw new Error(`Segment of ${lv.name} maps onto another LV.`);
      const pv = pvs.get(area.pvId)!;
      const n = Math.min(stripeBytes - within, end - pos, segEnd - pos);
      out.push({ pv, offset: pv.peStart * 512 + area.pe * extentBytes + row * stripeBytes + within, length: n });
      pos += n;
    }
  }
  return out;
}

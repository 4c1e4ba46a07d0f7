// The table lvm2 would load for a linear or striped LV: PE p of a PV starts at pe_start + p·extent.
import type { AsyncBlockDevice } from '../devices/async.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { segtypeOf } from '../segtypes/index.ts';
import { Table, type TableLine } from './table.ts';

export function lvTable(vg: VolumeGroup, lv: LogicalVolume, devices: Map<string, AsyncBlockDevice>, readOnly = false): Table {
  const pvs = new Map(vg.pvs.map((p) => [p.id, p] as const));
  const lines: TableLine[] = lv.segments.map((seg) => {
    const start = seg.startExtent * vg.extentSize;
    const length = seg.extentCount * vg.extentSize;
    // The segment type names its dm target; ulvm has the linear, striped, zero and error ones.
    const t = segtypeOf(seg).targetName?.(seg);
    if (t === 'error' || t === 'zero') return { start, length, target: { type: t } };
    // Pools and thin LVs map through their own targets (activation/stack/thin.ts), never through this table.
    if (seg.kind === 'thin' || seg.kind === 'thin-pool') return { start, length, target: { type: 'error' } };
    if (seg.kind !== 'striped') throw new Error(`Segment type ${seg.type} of ${lv.name} cannot be mapped by ulvm yet.`);
    const areas = seg.areas.map((a) => {
      if (a.kind !== 'pv') throw new Error(`Segment of ${lv.name} maps onto another LV.`);
      const pv = pvs.get(a.pvId)!;
      const dev = devices.get(a.pvId);
      if (!dev) throw new Error(`Device for PV of ${lv.name} is not available.`);
      return { dev, start: pv.peStart + a.pe * vg.extentSize };
    });
    if (areas.length === 1) return { start, length, target: { type: 'linear', area: areas[0]! } };
    return { start, length, target: { type: 'striped', areas, chunkSectors: seg.stripeSize ?? 128 } };
  });
  return new Table(lines, readOnly);
}

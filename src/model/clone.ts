// A deep copy of a VG for a command to change: the model's shapes are known, so copying them by
// hand is several times faster than structuredClone's generic serialisation on VGs of 1,000s of LVs.
import type { Area, LogicalVolume, PhysicalVolume, Segment, VolumeGroup } from './types.ts';
import { cloneRawNodes } from './raw.ts';

function cloneArea(a: Area): Area {
  return { ...a };
}

export function cloneSegment(s: Segment): Segment {
  switch (s.kind) {
    case 'striped':
      return { ...s, tags: [...s.tags], areas: s.areas.map(cloneArea) };
    case 'thin-pool':
    case 'thin':
      return { ...s, tags: [...s.tags], extra: s.extra.length ? cloneRawNodes(s.extra) : [] };
    case 'unknown': {
      const c: Segment = { ...s, tags: [...s.tags], nodes: cloneRawNodes(s.nodes) };
      if (s.areas) c.areas = s.areas.map(cloneArea);
      return c;
    }
    default:
      return { ...s, tags: [...s.tags] };
  }
}

export function cloneLv(lv: LogicalVolume): LogicalVolume {
  return { ...lv, status: [...lv.status], flags: [...lv.flags], tags: [...lv.tags], segments: lv.segments.map(cloneSegment) };
}

function clonePv(pv: PhysicalVolume): PhysicalVolume {
  return { ...pv, status: [...pv.status], flags: [...pv.flags], tags: [...pv.tags] };
}

export function cloneVg(vg: VolumeGroup): VolumeGroup {
  const c: VolumeGroup = { ...vg, status: [...vg.status], flags: [...vg.flags], tags: [...vg.tags], pvs: vg.pvs.map(clonePv), lvs: vg.lvs.map(cloneLv) };
  if (vg.historicalLvs) c.historicalLvs = cloneRawNodes(vg.historicalLvs);
  return c;
}

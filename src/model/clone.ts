// A deep copy of a VG for a command to change: the model's shapes are known, so copying them by
// hand is several times faster than structuredClone's generic serialisation on VGs of 1,000s of LVs.
import type { ConfigNode, ConfigValue } from '../formats/config-text.ts';
import type { Area, LogicalVolume, PhysicalVolume, Segment, VolumeGroup } from './types.ts';

function cloneValue(v: ConfigValue): ConfigValue {
  return v.kind === 'array' ? { kind: 'array', items: v.items.map((i) => ({ ...i })) } : { ...v };
}

export function cloneNodes(nodes: ConfigNode[]): ConfigNode[] {
  return nodes.map((n) => {
    const c: ConfigNode = { key: n.key };
    if (n.value) c.value = cloneValue(n.value);
    if (n.children) c.children = cloneNodes(n.children);
    return c;
  });
}

function cloneArea(a: Area): Area {
  return { ...a };
}

export function cloneSegment(s: Segment): Segment {
  const c: Segment = { ...s, tags: [...s.tags], attrs: s.attrs.length ? cloneNodes(s.attrs) : [] };
  if (s.areas) c.areas = s.areas.map(cloneArea);
  return c;
}

export function cloneLv(lv: LogicalVolume): LogicalVolume {
  return { ...lv, status: [...lv.status], flags: [...lv.flags], tags: [...lv.tags], segments: lv.segments.map(cloneSegment) };
}

function clonePv(pv: PhysicalVolume): PhysicalVolume {
  return { ...pv, status: [...pv.status], flags: [...pv.flags], tags: [...pv.tags] };
}

export function cloneVg(vg: VolumeGroup): VolumeGroup {
  const c: VolumeGroup = { ...vg, status: [...vg.status], flags: [...vg.flags], tags: [...vg.tags], pvs: vg.pvs.map(clonePv), lvs: vg.lvs.map(cloneLv) };
  if (vg.historicalLvs) c.historicalLvs = cloneNodes(vg.historicalLvs);
  return c;
}

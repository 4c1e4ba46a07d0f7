// What must be active before an LV of the thin family can be: a thin LV needs its pool, a pool
// its metadata and data LVs (in the order lvm2's deptree creates their devices).
import type { VolumeGroup } from '../model/types.ts';
import { poolSegOf, thinSegOf } from '../model/thin.ts';

export function thinDependencies(vg: VolumeGroup, name: string): string[] {
  const lv = vg.lvs.find((l) => l.name === name);
  const t = thinSegOf(lv);
  if (t) return [...thinDependencies(vg, t.thinPool), t.thinPool];
  const p = poolSegOf(lv);
  if (p) return [p.metadata, p.pool];
  return [];
}

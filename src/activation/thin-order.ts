// What must be active before an LV of the thin family can be: a thin LV needs its pool, a pool
// its metadata and data LVs (in the order lvm2's deptree creates their devices).
import type { VolumeGroup } from '../model/types.ts';
import { poolOfSubLv, poolSegOf, thinSegOf, thinsOfPool } from '../model/thin.ts';

export function thinDependencies(vg: VolumeGroup, name: string): string[] {
  const lv = vg.lvs.find((l) => l.name === name);
  const t = thinSegOf(lv);
  if (t) return [...thinDependencies(vg, t.thinPool), t.thinPool];
  const p = poolSegOf(lv);
  if (p) return [p.metadata, p.pool];
  return [];
}

/**
 * A pool with its parts and thin LVs, in build order, when `name` is any of them: a reload
 * rebuilds them under one suspension, so that no thin I/O reaches a data LV whose old table is
 * being let go.
 */
export function thinFamily(vg: VolumeGroup, name: string): string[] | undefined {
  const lv = vg.lvs.find((l) => l.name === name);
  const poolName = thinSegOf(lv)?.thinPool ?? poolOfSubLv(vg, name)?.pool.name ?? (poolSegOf(lv) ? name : undefined);
  const seg = poolSegOf(vg.lvs.find((l) => l.name === poolName));
  if (!poolName || !seg) return undefined;
  return [seg.metadata, seg.pool, poolName, ...thinsOfPool(vg, poolName).map((l) => l.name)];
}

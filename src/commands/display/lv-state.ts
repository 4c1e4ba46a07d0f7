// Kernel-side facts the LV displays ask lvm2's activation layer for (lv_info, snapshot percent),
// derived from ulvm's LvActivation records.
import type { Ctx } from '../../ops/context.ts';
import { activationOf } from '../../ops/objects.ts';
import type { LvActivation } from '../../report/objects.ts';
import type { LogicalVolume, Segment, VolumeGroup } from '../../model/types.ts';
import { segAreas, segType } from '../../model/types.ts';
import { pct } from '../../report/values.ts';

/** Where displays get an LV's activation from; tests pass fixed states. */
export type ActivationFn = (vg: VolumeGroup, lv: LogicalVolume) => LvActivation;

export function ctxActivation(ctx: Ctx): ActivationFn {
  return (vg, lv) => activationOf(ctx, vg, lv);
}

/** lv_info(...) && info.exists: the LV has a kernel device (suspended ones too). */
export function inKernel(a: LvActivation): boolean {
  return a.state === 'active' || a.state === 'suspended';
}

/** A COW snapshot counts as active when its device exists and it has not been invalidated. */
export function snapshotActive(a: LvActivation): boolean {
  return inKernel(a) && !a.invalid;
}

/** display_percent(): two decimals, never rounding a partial value to 0.00 or 100.00. */
export function percentText(p: number): string {
  return pct(p).text;
}

/** lv_is_virtual: segment types without physical space behind them. */
export function isVirtualLv(lv: LogicalVolume): boolean {
  return lv.status.includes('VIRTUAL') || lv.segments.some((s) => ['thin', 'zero', 'error', 'vdo'].includes(segType(s)));
}

/** lv_is_partial: some extent lives on a PV whose device is missing. */
export function isPartialLv(vg: VolumeGroup, lv: LogicalVolume, missing: Set<string>, seen = new Set<string>()): boolean {
  if (seen.has(lv.name)) return false;
  seen.add(lv.name);
  const sub = (name: string | undefined) => {
    const l = name === undefined ? undefined : vg.lvs.find((x) => x.name === name);
    return l ? isPartialLv(vg, l, missing, seen) : false;
  };
  // Pools keep their data and metadata LVs as named attributes rather than areas.
  const onMissing = (seg: Segment) =>
    segAreas(seg).some((a) => (a.kind === 'pv' ? missing.has(a.pvId) : sub(a.lv))) || (seg.kind === 'thin-pool' && (sub(seg.pool) || sub(seg.metadata)));
  return lv.segments.some(onMissing);
}

// lvextend --usepolicies (what dmeventd runs): a thin pool grows by
// activation/thin_pool_autoextend_percent, or by enough to get back under the threshold, when its
// data or metadata use is past activation/thin_pool_autoextend_threshold; a snapshot's COW by
// the snapshot settings (lvm2's _lvresize_adjust_policy and _adjust_amount).
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { resizeLv, type ResizeLvResult } from './resize-lv.ts';
import { poolSegOf } from '../model/thin.ts';
import { snapshotOfCow } from '../model/snapshots.ts';
import { lvExtents } from '../model/types.ts';
import { makePercent, parseThinPoolStatus } from '../segtypes/thin-status.ts';

/** Percent of the LV to add: 0 when use is not past the threshold (or not above 50%). */
export function adjustAmount(percent: number, threshold: number, amount: number): number {
  if (!(percent > 50 && percent <= 100) || percent <= threshold) return 0;
  // In lvm2's units of 1e-6 %, rounded up to a whole percent.
  const p = Math.round(percent * 1e6);
  const t = threshold * 1e4;
  const needed = Math.floor((p + t - 1) / t) - 100;
  return Math.max(amount, needed);
}

/** The metadata use past which a pool is short of metadata: 100% − min(25%, 4 MiB of it). */
export function metadataMinThreshold(metadataSectors: number): number {
  return 100 - Math.min(25, (100 * 8192) / metadataSectors);
}

export async function extendByPolicy(ctx: Ctx, vgName: string, lvName: string): Promise<ResizeLvResult[]> {
  const f = findVgOrFail(ctx, vgName);
  const lv = f.vg.lvs.find((l) => l.name === lvName) ?? fail(`Logical volume ${lvName} not found in volume group ${vgName}.`, 5, 'LV_NOT_FOUND', { vg: vgName, lv: lvName });
  const seg = poolSegOf(lv);
  const cow = snapshotOfCow(f.vg, lvName);
  if (!seg && !cow) fail('Policy-based resize is supported only for snapshot, thin pool and vdo pool volumes.');
  const kind = seg ? 'thin_pool' : 'snapshot';
  let threshold = ctx.config.int(`activation/${kind}_autoextend_threshold`, 100);
  const amount = ctx.config.int(`activation/${kind}_autoextend_percent`, 20);
  if (threshold < 50) {
    ctx.warn(seg ? `WARNING: Thin pool autoextend threshold ${threshold}% is set below minimum supported 50%.` : `WARNING: Snapshot autoextend threshold ${threshold}% is set bellow minimal supported value 50%.`);
    threshold = 50;
  }
  if (threshold >= 100) return [];
  if (!amount) fail(`Can't extend ${vgName}/${lvName} with ${lv.segments[0]?.type ?? 'striped'} autoextend percent set to 0%.`);
  const a = ctx.activeLv(f.vg.id, lv.id);
  const inactive = () => fail(`Can't read state of locally inactive LV ${vgName}/${lvName}.`);
  const out: ResizeLvResult[] = [];
  const grow = async (name: string, pct: number) =>
    out.push(await resizeLv(ctx, { vg: vgName, lv: name, command: 'lvextend', extents: { sign: '+', extents: 0, percent: 'LV', value: pct } }));
  if (seg) {
    const s = a?.thinPoolStatus !== undefined ? parseThinPoolStatus(a.thinPoolStatus) : undefined;
    if (!s || s.fail) inactive();
    const meta = f.vg.lvs.find((l) => l.name === seg.metadata)!;
    const metaThreshold = Math.min(metadataMinThreshold(lvExtents(meta) * f.vg.extentSize), threshold);
    let metaAmount = adjustAmount(makePercent(s!.usedMetadata, s!.totalMetadata), metaThreshold, amount);
    // lvm2 adds one: the kernel may take more on a resize.
    if (metaAmount) metaAmount++;
    const dataAmount = adjustAmount(makePercent(s!.usedData, s!.totalData), threshold, amount);
    if (dataAmount) await grow(lvName, dataAmount);
    if (metaAmount) await grow(seg.metadata, metaAmount);
    return out;
  }
  if (!a || a.dataPercent === undefined) inactive();
  const pct = adjustAmount(a!.dataPercent!, threshold, amount);
  if (pct) await grow(lvName, pct);
  return out;
}

// What vgsplit and vgmerge share: lvm2's vgs_are_compatible, reading the second VG with its
// messages, and the devices a VG assembled from two others is written to.
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { VolumeGroup } from '../model/types.ts';
import { visibleLvCount } from '../model/limits.ts';
import { exportedForCommand, vgIsExported } from './select.ts';

/** lvm2's vgs_are_compatible: why `from` may not go into `to`, or undefined. */
export async function incompatibility(ctx: Ctx, from: FoundVg, to: VolumeGroup): Promise<string | undefined> {
  const f = from.vg;
  if ((await ctx.loadActivation()).some((a) => a.vgId === f.id)) return `Logical volumes in "${f.name}" must be inactive`;
  if (to.extentSize !== f.extentSize) return `Extent sizes differ: ${to.extentSize} (${to.name}) and ${f.extentSize} (${f.name})`;
  if (to.maxPv && to.maxPv < to.pvs.length + f.pvs.length) return `Maximum number of physical volumes (${to.maxPv}) exceeded  for "${to.name}" and "${f.name}"`;
  if (to.maxLv && to.maxLv < visibleLvCount(to) + visibleLvCount(f)) return `Maximum number of logical volumes (${to.maxLv}) exceeded  for "${to.name}" and "${f.name}"`;
  for (const a of to.lvs) if (f.lvs.some((b) => b.name === a.name)) return `Duplicate logical volume name "${a.name}" in "${to.name}" and "${f.name}"`;
  return undefined;
}

/**
 * lvm2's vg_read_for_update by name, as these commands call it: its one line when the VG is not
 * there or is exported (lvm2 says no more than that), then `after` (vgsplit's "Failed to read").
 */
export function readVg(ctx: Ctx, name: string, after: string[] = []): FoundVg | string[] {
  const scan = ctx.scan();
  const f = scan.isDuplicate(name) ? undefined : scan.get(name);
  if (!f) return [`Volume group "${name}" not found`, ...after];
  if (exportedForCommand(ctx, f)) return [vgIsExported(name), ...after];
  return f;
}

/** Device paths of the PVs of `vg`, found among the devices of the VGs it was made from. */
export function devicesOf(ctx: Ctx, vg: VolumeGroup, sources: FoundVg[]): string[] {
  for (const s of sources) ctx.pvPaths(s);
  return vg.pvs.flatMap((pv) => {
    const d = sources.map((s) => s.pvDevices.get(pv.id)).find((x) => x);
    return d ? [d.path] : [];
  });
}

/**
 * lvm2 warns as it writes a VG it knew (from the scan, at seqno `knownSeqno`) into a metadata area
 * that held older metadata, of any VG: the PVs that came from the other VG (lvmcache_has_old_metadata).
 */
export function warnOldMetadata(ctx: Ctx, written: VolumeGroup, knownSeqno: number, from: FoundVg, movedIds: string[]): void {
  for (const id of movedIds) {
    const d = from.pvDevices.get(id);
    if (!d) continue;
    for (const m of d.mdas) if (m.text && m.seqno !== undefined && knownSeqno > m.seqno) ctx.warn(`WARNING: updating old metadata to ${written.seqno} on ${d.path} for VG ${written.name}.`);
  }
}

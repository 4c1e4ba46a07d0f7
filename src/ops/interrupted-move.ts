// A vgsplit or vgmerge cut short by a crash can leave an exported VG that lists PVs a usable VG
// also lists (vgsplit's first write landed, its second did not; or vgmerge's merged copy landed
// on some PVs). The usable VG is whole in both cases (the split not done, the merge done), so it
// keeps those PVs and the LVs it has too; vgimport takes back only the rest of the exported VG,
// and never makes a PV a member of two usable VGs.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { VolumeGroup } from '../model/types.ts';
import { segAreas } from '../model/types.ts';
import { vgExported } from './select.ts';

/** The usable VG that also lists some of this exported VG's PVs, with those PVs' ids. */
export function sharingVg(ctx: Ctx, f: FoundVg): { owner: FoundVg; shared: Set<string> } | undefined {
  for (const other of ctx.scan().all()) {
    if (other.vg.id === f.vg.id || vgExported(other)) continue;
    const shared = new Set(f.vg.pvs.filter((p) => other.vg.pvs.some((q) => q.id === p.id)).map((p) => p.id));
    if (shared.size) return { owner: other, shared };
  }
  return undefined;
}

/**
 * What is left of the exported VG once the owner keeps the shared PVs and its own LVs (by id);
 * refused when an LV left would still use a PV it gives up.
 */
function remainder(f: FoundVg, owner: FoundVg, shared: Set<string>): VolumeGroup {
  const ownerLvs = new Set(owner.vg.lvs.map((l) => l.id));
  const vg = cloneVg(f.vg);
  vg.pvs = vg.pvs.filter((p) => !shared.has(p.id));
  vg.lvs = vg.lvs.filter((l) => !ownerLvs.has(l.id));
  for (const lv of vg.lvs)
    if (lv.segments.some((s) => segAreas(s).some((a) => a.kind === 'pv' && shared.has(a.pvId))))
      fail(`Volume group "${f.vg.name}" and "${owner.vg.name}" both use PVs of logical volume ${lv.name}: not imported.`);
  return vg;
}

/** Resolves the overlap: the owner rewritten onto all its PVs, the rest of the exported VG (if any) returned for import. */
export function settleInterruptedMove(ctx: Ctx, f: FoundVg, owner: FoundVg, shared: Set<string>): { vg: VolumeGroup; paths: string[] } | undefined {
  const rest = remainder(f, owner, shared);
  for (const id of shared) ctx.warn(`WARNING: PV ${owner.pvDevices.get(id)?.path ?? id} of exported VG ${f.vg.name} stays in VG ${owner.vg.name} (an interrupted vgsplit or vgmerge).`);
  ctx.commit(cloneVg(owner.vg), ctx.pvPaths(owner), owner.vg);
  if (!rest.pvs.length) return undefined;
  return { vg: rest, paths: rest.pvs.flatMap((p) => { const d = f.pvDevices.get(p.id); return d ? [d.path] : []; }) };
}

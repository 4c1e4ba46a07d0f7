// Writing a VG while some of its PVs are missing, as lvm2's handles_missing_pvs commands do: the
// missing PVs stay in the metadata flagged MISSING, with lvm2's "[unknown]" as device hint.
import type { FoundVg } from '../metadata/scan.ts';
import type { VolumeGroup } from '../model/types.ts';
import { formatId } from '../formats/uuid.ts';

/** Flags `vg`'s PVs that `found` could not find; returns lvm2's warnings for each write of it. */
export function markMissingPvs(vg: VolumeGroup, found: FoundVg): string[] {
  const warnings: string[] = [];
  for (const pv of vg.pvs) {
    if (!found.missing.has(pv.id)) continue;
    pv.device = '[unknown]';
    if (!pv.flags.includes('MISSING')) pv.flags.push('MISSING');
    // lvm2 imports the VG it wrote twice more (its committed and precommitted copies), warning each time.
    const w = `WARNING: Couldn't find device with uuid ${formatId(pv.id)}.`;
    warnings.push(w, w);
  }
  return warnings;
}

// Exporting and importing a VG as operations (vgexport, vgimport): the EXPORTED flag on the VG
// and on each of its PVs, which every command but the reporting ones and vgimport then refuses.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { rescanVg, vgExported } from './select.ts';
import { settleInterruptedMove, sharingVg } from './interrupted-move.ts';
import { markMissingPvs } from './missing-pvs.ts';
import { UlvmError } from '../errors.ts';

const withExported = (status: string[], on: boolean): string[] => (on ? [...new Set([...status, 'EXPORTED'])] : status.filter((s) => s !== 'EXPORTED'));

/** `partial`: vgimport --force of a VG with missing PVs, which stay in it flagged MISSING. */
function setExported(ctx: Ctx, cur: FoundVg, on: boolean, partial = false): void {
  const vg = cloneVg(cur.vg);
  vg.status = withExported(vg.status, on);
  for (const pv of vg.pvs) pv.status = withExported(pv.status, on);
  // The system id goes with an export: the VG is for whichever host imports it (which sets its own, ulvm having none).
  delete vg.systemId;
  const warnings = partial ? markMissingPvs(vg, cur) : [];
  ctx.commit(vg, ctx.pvPaths(cur, partial), cur.vg);
  for (const w of warnings) ctx.warn(w);
}

/** Exports one VG; returns lvm2's status (5 after saying why not: active LVs). */
export async function exportVg(ctx: Ctx, f: FoundVg): Promise<number> {
  await ctx.locks.vg(f.vg.name);
  const cur = rescanVg(ctx, f);
  const active = (await ctx.loadActivation()).some((a) => a.vgId === cur.vg.id);
  if (active) {
    ctx.error(`Volume group "${cur.vg.name}" has active logical volumes`);
    return 5;
  }
  setExported(ctx, cur, true);
  ctx.print(`Volume group "${cur.vg.name}" successfully exported`);
  return 0;
}

/** Imports one exported VG; returns lvm2's status (5 after saying why not). */
export async function importVg(ctx: Ctx, f: FoundVg): Promise<number> {
  await ctx.locks.vg(f.vg.name);
  const cur = rescanVg(ctx, f);
  if (!vgExported(cur)) {
    ctx.error(`Volume group "${cur.vg.name}" is not exported`);
    return 5;
  }
  // Without --force a missing PV stops it as any change (lvm2's vg_read); with it, the VG is
  // imported with the PV flagged missing.
  if (cur.missing.size && !ctx.has('force')) {
    try {
      ctx.pvPaths(cur);
    } catch (e) {
      if (!(e instanceof UlvmError)) throw e;
      for (const l of e.lines) ctx.error(l);
      return 5;
    }
  }
  const sharing = sharingVg(ctx, cur);
  if (sharing) {
    const rest = settleInterruptedMove(ctx, cur, sharing.owner, sharing.shared);
    if (!rest) {
      ctx.print(`Volume group "${cur.vg.name}" has nothing left to import`);
      return 0;
    }
    rest.vg.status = withExported(rest.vg.status, false);
    for (const pv of rest.vg.pvs) pv.status = withExported(pv.status, false);
    ctx.commit(rest.vg, rest.paths, cur.vg);
  } else setExported(ctx, cur, false, cur.missing.size > 0);
  ctx.print(`Volume group "${cur.vg.name}" successfully imported`);
  return 0;
}

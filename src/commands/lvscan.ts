// lvscan: one line per LV with its state and size (tools/lvscan.c).
import type { Ctx } from '../ops/context.ts';
import { sayUnlessSilent, sizer } from './display/out.ts';
import { eachLv } from './display/walk-lv.ts';
import { ctxActivation, inKernel, snapshotActive, type ActivationFn } from './display/lv-state.ts';
import { isCow, isLvVisibleForReport, isOrigin } from '../report/lv-info.ts';
import { lvExtents } from '../model/types.ts';

export async function run(ctx: Ctx): Promise<number> {
  return display(ctx, ctxActivation(ctx));
}

/** The command with LV activation states from `act` (tests supply kernel states ulvm cannot have yet). */
export async function display(ctx: Ctx, act: ActivationFn): Promise<number> {
  const size = sizer(ctx);
  if (ctx.has('cache')) {
    ctx.warn('Ignoring lvscan --cache because lvmetad is no longer used.');
    return 0;
  }
  return eachLv(ctx, false, (vgo, lv) => {
    const vg = vgo.vg;
    if (!ctx.has('all') && !isLvVisibleForReport(vg, lv)) return;
    const a = act(vg, lv);
    // An invalidated snapshot has a device but counts as inactive.
    const active = isCow(vg, lv) ? snapshotActive(a) : inKernel(a);
    const role = isOrigin(vg, lv) ? 'Original' : isCow(vg, lv) ? 'Snapshot' : '        ';
    const line = `${active ? 'ACTIVE   ' : 'inactive '}${role} '${a.path ?? `/dev/${vg.name}/${lv.name}`}' [${size(lvExtents(lv) * vg.extentSize)}] ${lv.allocationPolicy ?? 'inherit'}`;
    sayUnlessSilent(ctx, line);
  });
}

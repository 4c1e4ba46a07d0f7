// vgdisplay: volume group attributes (tools/vgdisplay.c); -v adds the LVs and the PVs.
import type { Ctx } from '../ops/context.ts';
import { vgObject } from '../ops/objects.ts';
import { say, sizer } from './display/out.ts';
import { badCommandLine, reportInstead } from './display/columns.ts';
import { eachVg } from './display/walk-vg.ts';
import { activeLvCount, vgdisplayColons, vgdisplayFull, vgdisplayShort } from './display/vg-display.ts';
import { ctxActivation, type ActivationFn } from './display/lv-state.ts';
import { lvdisplayFull } from './display/lv-display.ts';
import { pvdisplayShort } from './display/pv-display.ts';
import { memberView } from './display/pv-view.ts';
import { isLvVisibleForReport, isSnapshotHolder, isThinPool } from '../report/lv-info.ts';

export async function run(ctx: Ctx): Promise<number> {
  return display(ctx, ctxActivation(ctx));
}

/** The command with LV activation states from `act` (tests supply kernel states ulvm cannot have yet). */
export async function display(ctx: Ctx, act: ActivationFn): Promise<number> {
  const size = sizer(ctx);
  if (ctx.has('columns')) {
    if (ctx.has('colon') || ctx.has('activevolumegroups') || ctx.has('short')) badCommandLine(ctx, 'Incompatible options selected');
    return reportInstead(ctx, 'vgs');
  }
  for (const o of ['aligned', 'binary', 'noheadings', 'options', 'separator', 'sort', 'unbuffered'])
    if (ctx.has(o)) badCommandLine(ctx, 'Incompatible options selected.');
  if (ctx.has('colon') && ctx.has('short')) badCommandLine(ctx, 'Option -c is not allowed with option -s');
  if (ctx.args.positionals.length && ctx.has('activevolumegroups')) badCommandLine(ctx, 'Option -A is not allowed with volume group names');
  return eachVg(ctx, (f) => {
    const vgo = vgObject(f);
    if (ctx.has('activevolumegroups') && !activeLvCount(f.vg, act)) return;
    if (ctx.has('colon')) return vgdisplayColons(ctx, vgo, act);
    if (ctx.has('short')) return vgdisplayShort(ctx, f.vg, size);
    vgdisplayFull(ctx, vgo, act, size);
    if (!ctx.count('verbose')) return;
    // The LVs as process_each_lv_in_vg would list them without -a: visible ones, pools first.
    const lvs = f.vg.lvs.filter((lv) => !isSnapshotHolder(lv) && isLvVisibleForReport(f.vg, lv));
    for (const lv of [...lvs.filter(isThinPool).reverse(), ...lvs.filter((l) => !isThinPool(l))]) lvdisplayFull(ctx, vgo, lv, act, size);
    say(ctx, '--- Physical volumes ---');
    for (const pv of f.vg.pvs) pvdisplayShort(ctx, memberView(f, pv));
  });
}

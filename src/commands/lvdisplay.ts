// lvdisplay: logical volume attributes (tools/lvdisplay.c).
import type { Ctx } from '../ops/context.ts';
import { sizer } from './display/out.ts';
import { badCommandLine, reportInstead } from './display/columns.ts';
import { eachLv } from './display/walk-lv.ts';
import { ctxActivation, type ActivationFn } from './display/lv-state.ts';
import { lvdisplayColons, lvdisplayFull } from './display/lv-display.ts';
import { lvdisplaySegments } from './display/lv-segments.ts';
import { isLvVisibleForReport } from '../report/lv-info.ts';

export async function run(ctx: Ctx): Promise<number> {
  return display(ctx, ctxActivation(ctx));
}

/** The command with LV activation states from `act` (tests supply kernel states ulvm cannot have yet). */
export async function display(ctx: Ctx, act: ActivationFn): Promise<number> {
  const size = sizer(ctx);
  if (ctx.has('columns')) {
    if (ctx.has('colon') || ctx.has('maps')) badCommandLine(ctx, 'Incompatible options selected');
    return reportInstead(ctx, 'lvs');
  }
  for (const o of ['aligned', 'binary', 'noheadings', 'options', 'separator', 'sort', 'unbuffered'])
    if (ctx.has(o)) badCommandLine(ctx, 'Incompatible options selected.');
  if (ctx.has('colon') && ctx.has('maps')) badCommandLine(ctx, 'Options -c and -m are incompatible.');
  return eachLv(ctx, false, (vgo, lv) => {
    // Named hidden LVs reach here too; lvdisplay shows them only with -a.
    if (!ctx.has('all') && !isLvVisibleForReport(vgo.vg, lv)) return;
    if (ctx.has('colon')) return lvdisplayColons(ctx, vgo, lv, act);
    lvdisplayFull(ctx, vgo, lv, act, size);
    if (ctx.has('maps')) lvdisplaySegments(ctx, vgo, lv, act, size);
  });
}

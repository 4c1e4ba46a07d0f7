// pvdisplay: the attributes of physical volumes (tools/pvdisplay.c).
import type { Ctx } from '../ops/context.ts';
import { say, sayUnlessSilent, sizer } from './display/out.ts';
import { eachPv } from './display/walk-pv.ts';
import { pvdisplayColons, pvdisplayFull, pvdisplaySegments } from './display/pv-display.ts';
import { badCommandLine, reportInstead } from './display/columns.ts';

export async function run(ctx: Ctx): Promise<number> {
  const size = sizer(ctx);
  if (ctx.has('columns')) {
    if (ctx.has('colon') || ctx.has('maps') || ctx.has('short')) badCommandLine(ctx, 'Incompatible options selected');
    return reportInstead(ctx, 'pvs');
  }
  for (const o of ['aligned', 'all', 'binary', 'noheadings', 'options', 'separator', 'sort', 'unbuffered'])
    if (ctx.has(o)) badCommandLine(ctx, 'Incompatible options selected');
  if (ctx.has('colon') && ctx.has('maps')) badCommandLine(ctx, 'Option -c not allowed with option -m');
  if (ctx.has('colon') && ctx.has('short')) badCommandLine(ctx, 'Option -c is not allowed with option -s');
  return eachPv(ctx, (v) => {
    // -s shows what is still free on a VG member, the whole device for a new PV.
    const capacity = v.orphan ? v.size : (v.peCount - v.peAlloc) * v.peSize;
    if (ctx.has('short')) {
      say(ctx, `Device "${v.name}" has a capacity of ${size(capacity)}`);
      return;
    }
    if (v.exported) sayUnlessSilent(ctx, `Physical volume "${v.name}" of volume group "${v.vgName}" is exported`);
    if (v.orphan) sayUnlessSilent(ctx, `"${v.name}" is a new physical volume of "${size(capacity)}"`);
    if (ctx.has('colon')) {
      pvdisplayColons(ctx, v);
      return;
    }
    pvdisplayFull(ctx, v, size);
    if (ctx.has('maps')) pvdisplaySegments(ctx, v);
  });
}

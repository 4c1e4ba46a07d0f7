// pvscan (display form): one line per PV and a total (tools/pvscan.c, pvscan_display_cmd).
import type { Ctx } from '../ops/context.ts';
import { badCommandLine } from './display/columns.ts';
import { padRight, sayUnlessSilent, sizer, type SizeFn } from './display/out.ts';
import { eachPv } from './display/walk-pv.ts';
import type { PvView } from './display/pv-view.ts';
import type { Scan } from '../metadata/scan.ts';

/** lvmcache's orphan VG, "#orphans_lvm2", always counts towards the VG name width. */
const ORPHAN_VG_NAME = '#orphans_lvm2';

/** lvmcache_get_max_name_lengths, plus the 2 columns of slack pvscan adds to each. */
function nameWidths(scan: Scan): { pv: number; vg: number } {
  let pv = 0;
  let vg = ORPHAN_VG_NAME.length;
  for (const d of scan.devices) if (d.label && !d.error) pv = Math.max(pv, d.path.length);
  for (const f of scan.all()) vg = Math.max(vg, f.vg.name.length);
  return { pv: pv + 2, vg: vg + 2 };
}

function pvLine(ctx: Ctx, v: PvView, w: { pv: number; vg: number }, size: SizeFn): string {
  let name = v.name;
  let width = w.pv;
  if (ctx.has('uuid')) {
    // "%-*s with UUID %s" into a buffer, then padded by the UUID suffix length (40 + 10) more.
    name = `${padRight(v.name, w.pv - 2)} with UUID ${v.uuid}`;
    width += 50;
  }
  if (v.orphan) return `PV ${padRight(name, width)}    ${padRight(' ', w.vg)} lvm2 [${size(v.size)}]`;
  const total = size(v.peCount * v.peSize);
  const free = size((v.peCount - v.peAlloc) * v.peSize);
  if (v.exported) return `PV ${padRight(name, width)}  is in exported VG ${v.vgName} [${total} / ${free} free]`;
  return `PV ${padRight(name, width)} VG ${padRight(v.vgName ?? '', w.vg)} lvm2 [${total} / ${free} free]`;
}

export async function run(ctx: Ctx): Promise<number> {
  const size = sizer(ctx);
  const exportedOnly = ctx.has('exported');
  const noVgOnly = ctx.has('novolumegroup');
  if (exportedOnly && noVgOnly) badCommandLine(ctx, 'Options -e and -n are incompatible');
  if (exportedOnly || noVgOnly) ctx.warn(`WARNING: only considering physical volumes ${exportedOnly ? 'of exported volume group(s)' : 'in no volume group'}`);
  const widths = nameWidths(ctx.scan());
  let found = 0;
  let fresh = 0;
  let total = 0;
  let freshSize = 0;
  const rc = eachPv(ctx, (v) => {
    if ((exportedOnly && !v.exported) || (noVgOnly && !v.orphan)) return;
    found++;
    if (v.orphan) {
      fresh++;
      freshSize += v.size;
      total += v.size;
    } else total += v.peCount * v.peSize;
    sayUnlessSilent(ctx, ctx.has('short') ? v.name : pvLine(ctx, v, widths, size));
  });
  if (!found) sayUnlessSilent(ctx, 'No matching physical volumes found');
  else sayUnlessSilent(ctx, `Total: ${found} [${size(total)}] / in use: ${found - fresh} [${size(total - freshSize)}] / in no VG: ${fresh} [${size(freshSize)}]`);
  return rc;
}

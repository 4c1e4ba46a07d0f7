// striped (linear being one stripe): PV extents laid side by side (lvm2 lib/striped).
import type { StripedSegment } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';
import { readAreas, writeAreas } from './areas.ts';
import { reqCount, value } from './text.ts';

export const striped: SegtypeHandler<StripedSegment> = {
  name: 'striped',
  kind: 'striped',
  textImport(nodes, base, ctx) {
    const where = ctx.where;
    const count = reqCount(nodes, 'stripe_count', ctx);
    if (count < 1) ctx.fail(`Zero areas not allowed for ${where}.`);
    const seg: StripedSegment = { ...base, kind: 'striped', areas: [] };
    if (count > 1) seg.stripeSize = reqCount(nodes, 'stripe_size', ctx);
    seg.areas = readAreas(value(nodes, 'stripes'), ctx) ?? ctx.fail(`Couldn't find areas array for ${where}.`);
    if (seg.areas.length !== count) ctx.fail(`Incorrect number of areas in area array for ${where}.`);
    if (seg.extentCount % count !== 0) ctx.fail(`Segment extent count ${seg.extentCount} not divisible by stripe count ${count} for ${where}.`);
    return seg;
  },
  textExport(seg, out) {
    const n = seg.areas.length;
    out.line(`stripe_count = ${n}`, n === 1 ? '# linear' : undefined);
    if (n > 1) out.size(seg.stripeSize ?? 0, `stripe_size = ${seg.stripeSize ?? 0}`);
    writeAreas(out, 'stripes', seg.areas);
  },
  references: (seg) => seg.areas.flatMap((a) => (a.kind === 'lv' ? [a.lv] : [])),
  rename(seg, from, to) {
    for (const a of seg.areas) if (a.kind === 'lv' && a.lv === from) a.lv = to;
  },
  targetName: (seg) => (seg.areas.length === 1 ? 'linear' : 'striped'),
  /** LVs it is layered on; PV areas are no devices of the stack. */
  deviceStack: (seg) => seg.areas.flatMap((a) => (a.kind === 'lv' ? [a.lv] : [])),
};

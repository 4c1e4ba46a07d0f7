// `lvdisplay -m` (lvm2's lvdisplay_segments and the segment types' display hooks): each LV
// segment with its type and, per type, its stripes or pool settings. TABs are lvm2's.
import type { Ctx } from '../../ops/context.ts';
import type { VgObject } from '../../report/objects.ts';
import { segType, type Area, type LogicalVolume, type Segment, type StripedSegment, type ThinPoolSegment } from '../../model/types.ts';
import { say, type SizeFn } from './out.ts';
import { areaLen } from './pv-segments.ts';
import { inKernel, isVirtualLv, type ActivationFn } from './lv-state.ts';

/** Segment types whose targets dmeventd can monitor (segtype->ops->target_monitored). */
const MONITORED = new Set(['thin-pool', 'snapshot', 'mirror', 'raid1', 'raid4', 'raid5', 'raid6', 'raid10', 'vdo-pool']);

/** lvseg_name: a one-stripe striped segment is "linear". */
function segName(seg: Segment): string {
  return seg.kind === 'striped' && seg.areas.length === 1 ? 'linear' : segType(seg);
}

/** display_stripe: one area, PV or LV, with the extents it covers. */
function stripe(ctx: Ctx, vgo: VgObject, seg: Segment, a: Area, pre: string): void {
  const len = areaLen(seg);
  if (a.kind === 'pv') {
    say(ctx, `${pre}Physical volume\t${vgo.pvDevice.get(a.pvId) ?? '[unknown]'}`);
    say(ctx, `${pre}Physical extents\t${a.pe} to ${a.pe + len - 1}`);
  } else {
    say(ctx, `${pre}Logical volume\t${a.lv}`);
    say(ctx, `${pre}Logical extents\t${a.le} to ${a.le + len - 1}`);
  }
}

function stripedDetails(ctx: Ctx, vgo: VgObject, seg: StripedSegment, size: SizeFn): void {
  const areas = seg.areas;
  if (areas.length === 1) stripe(ctx, vgo, seg, areas[0]!, '  ');
  else {
    say(ctx, `  Stripes\t\t${areas.length}`);
    say(ctx, `  Stripe size\t\t${size(seg.stripeSize ?? 0)}`);
    areas.forEach((a, i) => {
      say(ctx, `  Stripe ${i}:`);
      stripe(ctx, vgo, seg, a, '    ');
    });
  }
  say(ctx, ' ');
}

function thinPoolDetails(ctx: Ctx, vgo: VgObject, lv: LogicalVolume, seg: ThinPoolSegment, size: SizeFn): void {
  // Thin count is the number of thin segments that use this pool (segs_using_this_lv).
  let users = 0;
  for (const l of vgo.vg.lvs) for (const s of l.segments) if (s.kind === 'thin' && s.thinPool === lv.name) users++;
  say(ctx, `  Chunk size\t\t${size(seg.chunkSize)}`);
  say(ctx, `  Discards\t\t${seg.discards}`);
  say(ctx, `  Thin count\t\t${users}`);
  say(ctx, `  Transaction ID\t${seg.transactionId}`);
  say(ctx, `  Zero new blocks\t${seg.zeroNewBlocks ? 'yes' : 'no'}`);
  say(ctx, ' ');
}

export function lvdisplaySegments(ctx: Ctx, vgo: VgObject, lv: LogicalVolume, act: ActivationFn, size: SizeFn): void {
  say(ctx, '--- Segments ---');
  const kind = isVirtualLv(lv) ? 'Virtual' : 'Logical';
  for (const seg of lv.segments) {
    say(ctx, `${kind} extents ${seg.startExtent} to ${seg.startExtent + seg.extentCount - 1}:`);
    say(ctx, `  Type\t\t${segName(seg)}`);
    const t = segType(seg);
    // Only an active LV can be asked about dmeventd; otherwise lvm2 prints an empty value.
    if (MONITORED.has(t)) say(ctx, `  Monitoring\t\t${inKernel(act(vgo.vg, lv)) ? 'monitored' : ''}`);
    if (seg.kind === 'striped') stripedDetails(ctx, vgo, seg, size);
    else if (seg.kind === 'thin-pool') thinPoolDetails(ctx, vgo, lv, seg, size);
    else if (seg.kind === 'thin') {
      say(ctx, `  Device ID\t\t${seg.deviceId}`);
      say(ctx, ' ');
    }
  }
  say(ctx, ' ');
}

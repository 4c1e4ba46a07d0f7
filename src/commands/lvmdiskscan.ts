// lvmdiskscan: the devices ulvm may use (its devices file, or --devices), with their sizes and
// which are PVs, then lvm2's counts.
import type { Ctx } from '../ops/context.ts';
import { diskScan } from '../ops/disk-scan.ts';
import { padRight, say, sizer } from './display/out.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function run(ctx: Ctx): Promise<number> {
  const onlyPvs = ctx.has('lvmpartition');
  if (onlyPvs) ctx.warn('WARNING: only considering LVM devices');
  const size = sizer(ctx);
  const devices = diskScan(ctx);
  const width = Math.max(0, ...devices.map((d) => d.name.length));
  const shown = devices.filter((d) => d.pv || !onlyPvs);
  for (const d of shown) say(ctx, `${padRight(d.name, width)} [${size(d.size).padStart(15)}] ${d.pv ? 'LVM physical volume' : ''}`);
  const n = (pv: boolean, partition: boolean) => devices.filter((d) => d.pv === pv && d.partition === partition).length;
  if (!onlyPvs) {
    say(ctx, plural(n(false, false), 'disk'));
    say(ctx, plural(n(false, true), 'partition'));
  }
  say(ctx, plural(n(true, false), 'LVM physical volume whole disk'));
  say(ctx, plural(n(true, true), 'LVM physical volume'));
  return 0;
}

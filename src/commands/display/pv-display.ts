// lvm2's pvdisplay_full / pvdisplay_short / pvdisplay_colons / pvdisplay_segments
// (lib/display/display.c): the text blocks about one PV.
import type { Ctx } from '../../ops/context.ts';
import { say, type SizeFn } from './out.ts';
import type { PvView } from './pv-view.ts';
import { pvRuns } from './pv-segments.ts';

function vgNameText(v: PvView): string {
  return v.orphan ? '' : (v.vgName ?? '');
}

export function pvdisplayFull(ctx: Ctx, v: PvView, size: SizeFn): void {
  say(ctx, `--- ${v.peSize ? '' : 'NEW '}Physical volume ---`);
  say(ctx, `PV Name               ${v.name}`);
  say(ctx, `VG Name               ${vgNameText(v)}${v.exported ? ' (exported)' : ''}`);
  // A device bigger than its extents shows the device size and what is left over; otherwise the
  // PV is shown as pe_start + data (lvm2's own reading of "usable").
  const data = v.peCount * v.peSize;
  let pvsize: number;
  let unusable: number;
  if (v.size > data + v.peStart) {
    pvsize = v.size;
    unusable = pvsize - data;
  } else {
    pvsize = data + v.peStart;
    unusable = pvsize - v.size;
  }
  if (data) say(ctx, `PV Size               ${size(pvsize)} / not usable ${size(unusable)}`);
  else say(ctx, `PV Size               ${size(pvsize)}`);
  const free = v.peCount - v.peAlloc;
  if (v.peCount && v.allocatable) say(ctx, `Allocatable           yes ${free === 0 ? '(but full)' : ''}`);
  else say(ctx, 'Allocatable           NO');
  say(ctx, `PE Size               ${size(v.peSize)}`);
  say(ctx, `Total PE              ${v.peCount}`);
  say(ctx, `Free PE               ${free}`);
  say(ctx, `Allocated PE          ${v.peAlloc}`);
  say(ctx, `PV UUID               ${v.uuid || 'none'}`);
  say(ctx, ' ');
}

/** The per-PV block of `vgdisplay -v` (the trailing blanks after the name are lvm2's). */
export function pvdisplayShort(ctx: Ctx, v: PvView): void {
  say(ctx, `PV Name               ${v.name}     `);
  say(ctx, `PV UUID               ${v.uuid || 'none'}`);
  say(ctx, `PV Status             ${v.allocatable ? '' : 'NOT '}allocatable`);
  say(ctx, `Total PE / Free PE    ${v.peCount} / ${v.peCount - v.peAlloc}`);
  say(ctx, ' ');
}

export function pvdisplayColons(ctx: Ctx, v: PvView): void {
  const fields = [
    v.name,
    vgNameText(v),
    v.size,
    -1,
    v.status,
    v.status & 0x8,
    -1,
    Math.floor(v.peSize / 2),
    v.peCount,
    v.peCount - v.peAlloc,
    v.peAlloc,
    v.uuid || 'none',
  ];
  say(ctx, fields.join(':'));
}

/** `pvdisplay -m`: PE runs, TAB between label and value as in lvm2. */
export function pvdisplaySegments(ctx: Ctx, v: PvView): void {
  if (v.peSize) say(ctx, '--- Physical Segments ---');
  if (v.vg && v.pv) {
    for (const r of pvRuns(v.vg, v.pv)) {
      say(ctx, `Physical extent ${r.pe} to ${r.pe + r.len - 1}:`);
      if (r.lv && r.seg) {
        say(ctx, `  Logical volume\t/dev/${v.vg.name}/${r.lv.name}`);
        // lvm2 prints the whole LV segment's range here, even for one stripe of it.
        say(ctx, `  Logical extents\t${r.seg.startExtent} to ${r.seg.startExtent + r.seg.extentCount - 1}`);
      } else say(ctx, '  FREE');
    }
  }
  say(ctx, ' ');
}

// lvm2's vgdisplay_full / vgdisplay_short / vgdisplay_colons (lib/display/display.c).
import type { Ctx } from '../../ops/context.ts';
import type { VgObject } from '../../report/objects.ts';
import type { VolumeGroup } from '../../model/types.ts';
import { formatId } from '../../formats/uuid.ts';
import { isLvVisibleForReport, visibleLvCount } from '../../report/lv-info.ts';
import { say, padRight, type SizeFn } from './out.ts';
import { allocatedExtents } from './pv-segments.ts';
import { inKernel, type ActivationFn } from './lv-state.ts';

/** Extent totals of a VG: extent_count and free_count as lvm2 keeps them. */
export function vgExtents(vg: VolumeGroup): { total: number; free: number } {
  let total = 0;
  let used = 0;
  for (const pv of vg.pvs) {
    total += pv.peCount;
    used += allocatedExtents(vg, pv.id);
  }
  return { total, free: total - used };
}

/** lvs_in_vg_opened: visible LVs with an opener. */
export function openLvCount(vg: VolumeGroup, act: ActivationFn): number {
  return vg.lvs.filter((lv) => {
    if (!isLvVisibleForReport(vg, lv)) return false;
    const a = act(vg, lv);
    return inKernel(a) && (a.openCount ?? 0) > 0;
  }).length;
}

/** lvs_in_vg_activated: any LV with a kernel device. */
export function activeLvCount(vg: VolumeGroup, act: ActivationFn): number {
  return vg.lvs.filter((lv) => isLvVisibleForReport(vg, lv) && inKernel(act(vg, lv))).length;
}

const has = (vg: VolumeGroup, s: string) => vg.status.includes(s) || vg.flags.includes(s);

export function vgdisplayFull(ctx: Ctx, vgo: VgObject, act: ActivationFn, size: SizeFn): void {
  const vg = vgo.vg;
  const { total, free } = vgExtents(vg);
  const r = has(vg, 'READ');
  const w = has(vg, 'WRITE');
  say(ctx, '--- Volume group ---');
  say(ctx, `VG Name               ${vg.name}`);
  say(ctx, `System ID             ${vg.systemId ?? ''}`);
  say(ctx, 'Format                lvm2');
  say(ctx, `Metadata Areas        ${vgo.mdaCount}`);
  say(ctx, `Metadata Sequence No  ${vg.seqno}`);
  say(ctx, `VG Access             ${r && w ? 'read/write' : r ? 'read' : w ? 'write' : 'error'}`);
  say(ctx, `VG Status             ${has(vg, 'EXPORTED') ? 'exported/' : ''}${has(vg, 'RESIZEABLE') ? '' : 'NOT '}resizable`);
  if (has(vg, 'CLUSTERED')) {
    say(ctx, 'Clustered             yes');
    say(ctx, `Shared                ${has(vg, 'SHARED') ? 'yes' : 'no'}`);
  }
  say(ctx, `MAX LV                ${vg.maxLv}`);
  say(ctx, `Cur LV                ${visibleLvCount(vg)}`);
  say(ctx, `Open LV               ${openLvCount(vg, act)}`);
  say(ctx, `Max PV                ${vg.maxPv}`);
  say(ctx, `Cur PV                ${vg.pvs.length}`);
  say(ctx, `Act PV                ${vg.pvs.length - vgo.missingPvIds.size}`);
  say(ctx, `VG Size               ${size(total * vg.extentSize)}`);
  say(ctx, `PE Size               ${size(vg.extentSize)}`);
  say(ctx, `Total PE              ${total}`);
  say(ctx, `Alloc PE / Size       ${total - free} / ${size((total - free) * vg.extentSize)}`);
  say(ctx, `Free  PE / Size       ${free} / ${size(free * vg.extentSize)}`);
  say(ctx, `VG UUID               ${formatId(vg.id)}`);
  say(ctx, ' ');
}

/** `vgdisplay -s`: `"vg" SIZE [USED used / FREE free]`, sizes padded to 9 like printf("%-9s"). */
export function vgdisplayShort(ctx: Ctx, vg: VolumeGroup, size: SizeFn): void {
  const { total, free } = vgExtents(vg);
  const e = vg.extentSize;
  say(ctx, `"${vg.name}" ${padRight(size(total * e), 9)} [${padRight(size((total - free) * e), 9)} used / ${size(free * e)} free]`);
}

// Numeric VG status bits for -c (lib/metadata/metadata-exported.h).
const VG_BITS: [string, bigint][] = [
  ['EXPORTED', 0x2n],
  ['RESIZEABLE', 0x4n],
  ['NOAUTOACTIVATE', 0x10n],
  ['READ', 0x100n],
  ['WRITE', 0x200n],
  ['CLUSTERED', 0x400n],
  ['SHARED', 0x800n],
  ['PVMOVE', 0x2000n],
  ['WRITE_LOCKED', 0x20000000000000n],
];

export function vgdisplayColons(ctx: Ctx, vgo: VgObject, act: ActivationFn): void {
  const vg = vgo.vg;
  const { total, free } = vgExtents(vg);
  const r = has(vg, 'READ');
  const w = has(vg, 'WRITE');
  let status = 0n;
  for (const [name, bit] of VG_BITS) if (has(vg, name)) status |= bit;
  const kib = Math.floor(vg.extentSize / 2);
  const fields = [
    vg.name,
    r && w ? 'r/w' : r ? 'r' : w ? 'w' : '',
    status.toString(),
    -1,
    vg.maxLv,
    visibleLvCount(vg),
    openLvCount(vg, act),
    -1,
    vg.maxPv,
    vg.pvs.length,
    vg.pvs.length - vgo.missingPvIds.size,
    total * kib,
    kib,
    total,
    total - free,
    free,
    formatId(vg.id),
  ];
  say(ctx, fields.join(':'));
}

// lvm2's lvdisplay_full and lvdisplay_colons (lib/display/display.c): one LV's block of text.
import type { Ctx } from '../../ops/context.ts';
import type { VgObject } from '../../report/objects.ts';
import { lvExtents, type LogicalVolume, type VolumeGroup } from '../../model/types.ts';
import { formatId } from '../../formats/uuid.ts';
import { isoLocal } from '../../metadata/stamp.ts';
import {
  cowsOfOrigin,
  isLvVisibleForReport,
  isOrigin,
  isThinPool,
  isThinVolume,
  originOfCow,
  snapshotSegOfCow,
} from '../../report/lv-info.ts';
import { say, type SizeFn } from './out.ts';
import { inKernel, isPartialLv, percentText, snapshotActive, type ActivationFn } from './lv-state.ts';

/** global/lvdisplay_shows_full_device_path: the lvm1 style of naming LVs. */
function lvm1Compat(ctx: Ctx): boolean {
  return ctx.config.int('global/lvdisplay_shows_full_device_path', 0) !== 0;
}

const lvSize = (vg: VolumeGroup, lv: LogicalVolume) => lvExtents(lv) * vg.extentSize;

/** What lvm2 prints for an LV's read_ahead setting (auto, 0 for none, or sectors). */
function readAheadText(lv: LogicalVolume): string {
  if (lv.readAhead === undefined) return 'auto';
  return lv.readAhead === -1 ? '0' : String(lv.readAhead);
}

/** The snapshot lines under "LV Creation host" for an origin or a COW; returns whether the COW is active. */
function snapshotLines(ctx: Ctx, vg: VolumeGroup, lv: LogicalVolume, act: ActivationFn, compat: boolean): boolean {
  const inkernel = inKernel(act(vg, lv));
  if (isOrigin(vg, lv)) {
    say(ctx, 'LV snapshot status     source of');
    for (const cow of cowsOfOrigin(vg, lv)) {
      const state = inkernel && snapshotActive(act(vg, cow)) ? 'active' : 'INACTIVE';
      say(ctx, `                       ${compat ? `/dev/${vg.name}/` : ''}${cow.name} [${state}]`);
    }
    return false;
  }
  const origin = originOfCow(vg, lv);
  if (!origin) return false;
  const active = snapshotActive(act(vg, lv));
  say(ctx, `LV snapshot status     ${active ? 'active' : 'INACTIVE'} destination for ${compat ? `/dev/${vg.name}/` : ''}${origin.name}`);
  return active;
}

/** Pool and origin names of thin LVs and thin pools. */
function poolLines(ctx: Ctx, lv: LogicalVolume): void {
  const seg = lv.segments[0];
  if (seg?.kind === 'thin') {
    say(ctx, `LV Pool name           ${seg.thinPool}`);
    if (seg.origin !== undefined) say(ctx, `LV Thin origin name    ${seg.origin}`);
    if (seg.externalOrigin !== undefined) say(ctx, `LV External origin name ${seg.externalOrigin}`);
    if (seg.merge !== undefined) say(ctx, `LV merging to          ${seg.merge}`);
  } else if (seg?.kind === 'thin-pool') {
    say(ctx, `LV Pool metadata       ${seg.metadata}`);
    say(ctx, `LV Pool data           ${seg.pool}`);
  }
}

export function lvdisplayFull(ctx: Ctx, vgo: VgObject, lv: LogicalVolume, act: ActivationFn, size: SizeFn): void {
  const vg = vgo.vg;
  const a = act(vg, lv);
  const inkernel = inKernel(a);
  const write = lv.status.includes('WRITE');
  const access = write && inkernel && (a.readOnly || a.poolReadOnlyLayer) ? 'read/write (activated read only)' : write ? 'read/write' : 'read only';
  const compat = lvm1Compat(ctx);

  say(ctx, '--- Logical volume ---');
  if (compat) say(ctx, `LV Name                /dev/${vg.name}/${lv.name}`);
  else if (isLvVisibleForReport(vg, lv)) {
    // A thin pool has no /dev/VG/LV link.
    if (!isThinPool(lv)) say(ctx, `LV Path                ${a.path ?? `/dev/${vg.name}/${lv.name}`}`);
    say(ctx, `LV Name                ${lv.name}`);
  } else say(ctx, `Internal LV Name       ${lv.name}`);
  say(ctx, `VG Name                ${vg.name}`);
  say(ctx, `LV UUID                ${formatId(lv.id)}`);
  say(ctx, `LV Write Access        ${access}`);
  say(ctx, `LV Creation host, time ${lv.creationHost ?? ''}, ${lv.creationTime ? isoLocal(lv.creationTime) : ''}`);

  const snapSeg = snapshotSegOfCow(vg, lv);
  const origin = snapSeg ? originOfCow(vg, lv) : undefined;
  const snapActive = snapshotLines(ctx, vg, lv, act, compat);
  poolLines(ctx, lv);

  if (a.state === 'suspended') say(ctx, 'LV Status              suspended');
  // Without device-mapper (--driverloaded n) lvm2 does not claim anything about the status.
  else if (a.state !== 'unknown') say(ctx, `LV Status              ${inkernel ? '' : 'NOT '}available${isPartialLv(vg, lv, vgo.missingPvIds) ? ' (partial)' : ''}`);
  if (inkernel) say(ctx, `# open                 ${a.openCount ?? 0}`);

  // A COW snapshot presents the origin's size; its own size is the COW table below.
  say(ctx, `LV Size                ${size(origin ? lvSize(vg, origin) : lvSize(vg, lv))}`);
  if (inkernel && isThinPool(lv) && a.dataPercent !== undefined) {
    say(ctx, `Allocated pool data    ${percentText(a.dataPercent)}%`);
    say(ctx, `Allocated metadata     ${percentText(a.metadataPercent ?? 0)}%`);
  }
  if (inkernel && isThinVolume(lv) && a.dataPercent !== undefined) say(ctx, `Mapped size            ${percentText(a.dataPercent)}%`);
  say(ctx, `Current LE             ${origin ? lvExtents(origin) : lvExtents(lv)}`);
  if (snapSeg) {
    say(ctx, `COW-table size         ${size(lvSize(vg, lv))}`);
    say(ctx, `COW-table LE           ${lvExtents(lv)}`);
    if (snapActive) say(ctx, `Allocated to snapshot  ${percentText(a.dataPercent ?? 0)}%`);
    say(ctx, `Snapshot chunk size    ${size(snapSeg.chunkSize)}`);
  }
  say(ctx, `Segments               ${lv.segments.length}`);
  say(ctx, `Allocation             ${lv.allocationPolicy ?? 'inherit'}`);
  say(ctx, `Read ahead sectors     ${readAheadText(lv)}`);
  // lvm2 compares its setting (auto is UINT32_MAX, none is 0) with the kernel's value.
  const setting = lv.readAhead === undefined ? -2 : lv.readAhead === -1 ? 0 : lv.readAhead;
  if (inkernel && a.readAheadSectors !== undefined && a.readAheadSectors !== setting) say(ctx, `- currently set to     ${a.readAheadSectors}`);
  if (lv.status.includes('FIXED_MINOR')) {
    if (lv.major !== undefined && lv.major >= 0) say(ctx, `Persistent major       ${lv.major}`);
    say(ctx, `Persistent minor       ${lv.minor ?? -1}`);
  }
  if (inkernel) say(ctx, `Block device           ${a.major ?? 0}:${a.minor ?? 0}`);
  say(ctx, ' ');
}

/** `lvdisplay -c`: path:vg:access:active:-1:open:sectors:LE:-1:alloc:readahead:major:minor. */
export function lvdisplayColons(ctx: Ctx, vgo: VgObject, lv: LogicalVolume, act: ActivationFn): void {
  const vg = vgo.vg;
  const a = act(vg, lv);
  const inkernel = inKernel(a);
  // LVM_READ (0x100) and LVM_WRITE (0x200) shifted down, 4 when the kernel device is read-only.
  const access = (lv.status.includes('READ') ? 1 : 0) | (lv.status.includes('WRITE') ? 2 : 0) | (inkernel && a.readOnly ? 4 : 0);
  // read_ahead printed with %d: auto (UINT32_MAX) shows as -1, none as 0.
  const ra = lv.readAhead === undefined ? -1 : lv.readAhead === -1 ? 0 : lv.readAhead;
  const fields = [
    a.path ?? `/dev/${vg.name}/${lv.name}`,
    vg.name,
    access,
    inkernel ? 1 : 0,
    -1,
    inkernel ? (a.openCount ?? 0) : 0,
    lvSize(vg, lv),
    lvExtents(lv),
    -1,
    (lv.allocationPolicy ?? 'inherit') === 'contiguous' ? 2 : 0,
    ra,
    inkernel ? (a.major ?? -1) : -1,
    inkernel ? (a.minor ?? -1) : -1,
  ];
  say(ctx, fields.join(':'));
}

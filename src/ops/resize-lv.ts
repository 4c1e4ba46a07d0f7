// Resizing an LV (lvextend, lvreduce, lvresize) as an operation: lvm2's rounding, limits,
// messages and, with resizeFs, the filesystem on it grown or shrunk with it.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { percentOf, type SizeRequest } from './lv-size.ts';
import { allocate, appendSegments, freeExtents, truncateLv } from '../model/alloc.ts';
import { lvExtents, segType, type VolumeGroup } from '../model/types.ts';
import { displaySize } from '../report/units.ts';
import { activationOf } from './objects.ts';
import { reloadVg } from './activate.ts';
import { cowMaxExtents, snapshotOfCow, snapshotsOfOrigin } from '../model/snapshots.ts';
import { poolSegOf, thinSegOf } from '../model/thin.ts';
import { checkOverprovisioning } from './thin-common.ts';
import { checkFs, fsTarget, growFs, refreshLoops, shrinkFs, type FsTarget } from './fs-resize.ts';

export type ResizeCommand = 'lvextend' | 'lvreduce' | 'lvresize';

export interface ResizeLvOptions {
  vg: string;
  lv: string;
  /** Which lvm2 command's rules apply: lvextend only grows, lvreduce only shrinks. */
  command?: ResizeCommand;
  /** -L: sectors, absolute or relative (sign '+'/'-'). Exactly one of size and extents. */
  size?: { sign: '' | '+' | '-'; sectors: number };
  /** -l: extents, absolute or relative, or a percentage of VG/FREE/PVS/LV. */
  extents?: SizeRequest;
  /** Device names of the PVs to allocate from. */
  pvs?: string[];
  /** -r: resize the filesystem on the LV too (ext2/3/4). */
  resizeFs?: boolean;
  /** -f: reduce an active LV without asking. */
  force?: boolean;
}

export interface ResizeLvResult {
  vg: string;
  lv: string;
  oldExtents: number;
  newExtents: number;
  /** With resizeFs: false when the filesystem could not be resized (the LV was). */
  fsResized?: boolean;
}

/** Changes an LV's size; fails with lvm2's messages (UlvmError) when lvm2 would refuse. */
export async function resizeLv(ctx: Ctx, o: ResizeLvOptions): Promise<ResizeLvResult> {
  const cmd = o.command ?? 'lvresize';
  const split = { vg: o.vg, lv: o.lv };
  const pvArgs = o.pvs ?? [];
  await ctx.locks.vg(split.vg);
  const found = findVgOrFail(ctx, split.vg);
  const vg: VolumeGroup = cloneVg(found.vg);
  const named = vg.lvs.find((l) => l.name === split.lv);
  if (!named) fail(`Logical volume ${split.lv} not found in volume group ${split.vg}.`, 5, 'LV_NOT_FOUND', { vg: split.vg, lv: split.lv });
  // A pool grows through its data LV (lvm2's _get_resizable_layer_lv), and says so by both names.
  const poolSeg = poolSegOf(named);
  const lv = poolSeg ? vg.lvs.find((l) => l.name === poolSeg.pool)! : named;
  const done = `${split.vg}/${split.lv}`;
  const full = `${split.vg}/${lv.name}`;
  if (snapshotsOfOrigin(vg, lv.name).length) {
    if (!ctx.activationDisabled && (await ctx.loadActivation()).some((x) => x.vgId === vg.id && x.lvId === lv.id))
      fail('Snapshot origin volumes can be resized only while inactive: try lvchange -an.');
    // An inactive origin may grow (its snapshots keep the size it had when they were taken); a
    // smaller size is refused once the command line has been read, below.
  }
  const last = lv.segments[lv.segments.length - 1];
  // zero and error LVs are virtual: their one segment just gets longer (or, as any LV, shorter).
  const virtual = last !== undefined && (last.kind === 'zero' || last.kind === 'error' || last.kind === 'thin') && lv.segments.length === 1;
  if (!last || (last.kind !== 'striped' && !virtual)) fail(`Resizing logical volumes of type ${last ? segType(last) : 'empty'} is not supported by ulvm yet.`);
  const stripes = last.kind === 'striped' ? last.areas.length : 1;
  const cur = lvExtents(lv);
  let pvs: Set<string> | undefined;
  if (pvArgs.length) {
    pvs = new Set();
    for (const a of pvArgs) {
      const name = ctx.deviceName(a.replace(/:.*$/, ''));
      const pv = vg.pvs.find((p) => found.pvDevices.get(p.id)?.path === name);
      if (!pv) fail(`Physical Volume "${name}" not found in Volume Group "${split.vg}".`, 5, 'PV_NOT_FOUND', { vg: split.vg, pv: name });
      pvs.add(pv.id);
    }
  }
  let target_: number;
  let approximate = false;
  let sign: '' | '+' | '-';
  if (o.size) {
    const s = o.size;
    sign = s.sign;
    let size = s.sectors;
    const adjust = size % vg.extentSize;
    if (adjust) {
      if (sign !== '-') size += vg.extentSize;
      size -= adjust;
      ctx.print(`Rounding size to boundary between physical extents: ${displaySize(size)}.`);
    }
    const n = size / vg.extentSize;
    target_ = sign === '+' ? cur + n : sign === '-' ? cur - n : n;
  } else if (o.extents) {
    const r = o.extents;
    sign = r.sign;
    let n = r.extents;
    if (r.percent) {
      const total = vg.pvs.reduce((k, p) => k + p.peCount, 0);
      const up = sign !== '-';
      const free = freeExtents(vg);
      if (r.percent === 'VG') {
        n = percentOf(r.value!, total, up);
        if (sign === '' && n > cur + free) {
          n = cur + free;
          ctx.print(`Reducing ${r.value}%VG to remaining free space ${displaySize(n * vg.extentSize)} in VG.`);
        }
      } else if (r.percent === 'FREE') n = percentOf(r.value!, free, up);
      else if (r.percent === 'LV') n = percentOf(r.value!, cur, up);
      else if (r.percent === 'PVS') n = percentOf(r.value!, pvs ? freeExtents(vg, pvs) : total, up);
      else fail('Specified LV does not have an origin LV.');
      approximate = (sign === '' && r.percent !== 'LV') || (sign === '+' && r.percent === 'FREE');
    }
    target_ = sign === '+' ? cur + n : sign === '-' ? cur - n : n;
  } else fail('Please specify either size or extents but not both.', 3);
  if (target_ <= 0 && sign === '-') fail(`Unable to reduce ${full} below 1 extent.`);
  if (poolSeg && target_ < cur) fail(`Thin pool volumes ${done} cannot be reduced in size yet.`);
  if (target_ < cur && snapshotsOfOrigin(vg, lv.name).length) fail('Snapshot origin volumes cannot be reduced in size yet.');
  // lvm2 never lets a COW grow past what it could ever use.
  const link = snapshotOfCow(vg, lv.name);
  const origin = link ? vg.lvs.find((o) => o.name === link.origin) : undefined;
  let capped = false;
  if (link && origin && target_ > cur) {
    const max = cowMaxExtents(vg, origin, link.chunk);
    if (max < target_) {
      ctx.print(`Reached maximum COW size ${displaySize(max * vg.extentSize)} (${max} extents).`);
      target_ = max;
      capped = true;
    }
  }
  // With -r an unchanged size is a zero extension: the filesystem still grows to fill the LV.
  const resizefs = o.resizeFs === true;
  if (target_ === cur && !capped && !resizefs) fail(`New size (${target_} extents) matches existing size (${cur} extents).`);
  if (cmd === 'lvextend' && target_ < cur) fail(`New size given (${target_} extents) not larger than existing size (${cur} extents)`);
  if (cmd === 'lvreduce' && target_ > cur) fail(`New size given (${target_} extents) not less than existing size (${cur} extents)`);
  if (target_ % stripes) target_ = target_ > cur ? Math.ceil(target_ / stripes) * stripes : Math.floor(target_ / stripes) * stripes;
  const oldSize = `${displaySize(cur * vg.extentSize)} (${cur} extents)`;
  // lvm2 checks the filesystem, and shrinks it for a reduce, before the LV changes at all.
  let fs: FsTarget | undefined;
  if (resizefs) {
    fs = await fsTarget(ctx, vg, lv);
    await checkFs(ctx, fs);
    if (target_ < cur) await shrinkFs(ctx, fs, vg, target_);
  }
  if (target_ === cur) {
    // A COW already at its maximum (or -r's zero extension) is reported resized, unchanged.
    ctx.print(`Size of logical volume ${full} unchanged from ${oldSize}.`);
    ctx.print(`Logical volume ${done} successfully resized.`);
    const result: ResizeLvResult = { vg: split.vg, lv: split.lv, oldExtents: cur, newExtents: cur };
    if (fs) result.fsResized = await growFs(ctx, fs, vg, target_);
    return result;
  }
  if (target_ > cur && virtual) {
    lv.segments = [{ ...last, extentCount: target_ }];
  } else if (target_ > cur && last.kind === 'striped') {
    let need = target_ - cur;
    const free = freeExtents(vg, pvs);
    if (need > free) {
      if (!approximate) fail(`Insufficient free space: ${need} extents needed, but only ${free} available`, 5, 'ENOSPC_VG', { vg: vg.name, lv: lv.name, requiredExtents: need, freeExtents: free });
      need = Math.floor(free / stripes) * stripes;
    }
    const res = allocate(vg, { extents: need, stripes, ...(last.stripeSize ? { stripeSize: last.stripeSize } : {}), ...(pvs ? { pvs } : {}), extend: lv, approximate });
    if (!res || res.allocated === 0) fail(`Insufficient suitable allocatable extents for logical volume ${split.lv}: ${need} more required`);
    appendSegments(lv, res.segments);
  } else {
    const act = activationOf(ctx, vg, lv);
    // With -r the filesystem has been shrunk to fit already: lvm2 asks nothing more.
    if (act.state === 'active' && !fs) {
      ctx.warn(`WARNING: Reducing active${act.openCount ? ' and open' : ''} logical volume to ${displaySize(target_ * vg.extentSize)}.`);
      ctx.warn('THIS MAY DESTROY YOUR DATA (filesystem etc.)');
      if (!o.force && !ctx.prompt(`Do you really want to reduce ${full}? [y/n]: `)) fail(`Logical volume ${full} NOT reduced.`);
    }
    truncateLv(lv, target_);
  }
  const now = lvExtents(lv);
  if (poolSeg) poolSeg.extentCount = now;
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await reloadVg(ctx, split.vg, ctx.pvPaths(found));
  ctx.print(`Size of logical volume ${full} changed from ${oldSize} to ${displaySize(now * vg.extentSize)} (${now} extents).`);
  ctx.print(`Logical volume ${done} successfully resized.`);
  const pool = poolSeg ? named : thinSegOf(lv) ? vg.lvs.find((l) => l.name === thinSegOf(lv)!.thinPool) : undefined;
  if (pool && now > cur) checkOverprovisioning(ctx, vg, pool.name);
  const result: ResizeLvResult = { vg: split.vg, lv: split.lv, oldExtents: cur, newExtents: now };
  if (!fs) return result;
  if (now < cur) {
    await refreshLoops(fs);
    result.fsResized = true;
    return result;
  }
  result.fsResized = await growFs(ctx, fs, vg, now);
  return result;
}

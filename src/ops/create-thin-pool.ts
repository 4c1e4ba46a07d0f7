// lvcreate --type thin-pool (and -T -L): the pool metadata spare first, then the data and
// metadata LVs (`P_tdata`, `P_tmeta`) under a new pool LV, the metadata zeroed whole so that
// the pool's first activation formats it, as lvm2's _lv_create_an_lv and create_pool do.
import { maxLvProblem } from '../model/limits.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, rescanVg } from './select.ts';
import { lvcreateExtents, roundUpToExtents, type NewLvSize } from './lv-size.ts';
import { checkNewLvName, pvIdsOf } from './create-lv.ts';
import { freeExtents } from '../model/alloc.ts';
import { nextLvolName } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import { nodename } from '../metadata/stamp.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { thinPoolParams } from './thin-pool-params.ts';
import { ensurePmspare, newHiddenLv, poolSegment, zeroWholeLv } from './thin-common.ts';
import { activateLvs, canActivate } from './activate.ts';
import { pmspareOf } from '../model/thin.ts';
import { displaySize } from '../report/units.ts';
import { zeroLvStart } from './wipe.ts';
import type { FoundVg } from '../metadata/scan.ts';

export interface CreateThinPoolOptions extends NewLvSize {
  vg: string;
  /** Default: lvm2's next free lvolN. */
  name?: string;
  /** -c, sectors. */
  chunkSize?: number;
  /** --poolmetadatasize, sectors. */
  metadataSize?: number;
  /** --poolmetadataspare (default y). */
  metadataSpare?: boolean;
  /** -Z: zero newly provisioned blocks (allocation/thin_pool_zero, default y). */
  zero?: boolean;
  discards?: 'ignore' | 'nopassdown' | 'passdown';
  /** --errorwhenfull y: fail writes at once when the pool is full, instead of queueing them. */
  errorWhenFull?: boolean;
  pvs?: string[];
  /** The data LV striped over this many PVs (-i), with stripes of `stripeSize` sectors (-I). */
  stripes?: number;
  stripeSize?: number;
  tags?: string[];
  /** Default true (lvm2's -ay). */
  activate?: boolean;
  /** Say nothing when done (the pool is made on the way to a thin LV). */
  quiet?: boolean;
}

export async function createThinPool(ctx: Ctx, o: CreateThinPoolOptions): Promise<{ vg: string; name: string; id: string }> {
  if (o.name !== undefined) checkNewLvName(o.name);
  await ctx.locks.vg(o.vg);
  const found = findVgOrFail(ctx, o.vg);
  const vg: VolumeGroup = cloneVg(found.vg);
  const name = o.name ?? nextLvolName(vg.lvs.map((l) => l.name));
  if (vg.lvs.some((l) => l.name === name)) fail(`Logical Volume "${name}" already exists in volume group "${o.vg}"`, 5, 'INVALID_NAME', { vg: o.vg, lv: name });
  const full = maxLvProblem(vg);
  if (full) fail(full);
  const pvs = pvIdsOf(ctx, found, o.pvs);
  const total = vg.pvs.reduce((n, p) => n + p.peCount, 0);
  const wanted = lvcreateExtents(ctx, o, vg.extentSize, (w) =>
    w === 'VG' ? total : w === 'FREE' ? freeExtents(vg) : w === 'PVS' ? freeExtents(vg, pvs) : fail('Please express size as %VG, %PVS, or %FREE.', 3, 'INVALID_ARGUMENT'),
  );
  const metadataGiven = o.metadataSize !== undefined ? roundUpToExtents(ctx, o.metadataSize, vg.extentSize) : undefined;
  const params = thinPoolParams(ctx, {
    dataExtents: wanted.extents, extentSize: vg.extentSize,
    ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
    ...(metadataGiven !== undefined ? { metadataExtents: metadataGiven } : {}),
    ...(o.zero !== undefined ? { zero: o.zero } : {}),
    ...(o.discards !== undefined ? { discards: o.discards } : {}),
  });
  let dataExtents = wanted.extents;
  const stripes = o.stripes ?? 1;
  let stripeSize = o.stripeSize;
  if (stripes > 1 && stripeSize === undefined) {
    stripeSize = 128;
    ctx.print(`Using default stripesize ${displaySize(stripeSize)}.`);
  }
  if (stripes > vg.pvs.length) fail(`Number of stripes (${stripes}) must not exceed number of physical volumes (${vg.pvs.length})`, 5);
  if (dataExtents % stripes) dataExtents = Math.ceil(dataExtents / stripes) * stripes;
  // A percentage leaves room for the metadata and its spare (lvm2's _lvcreate_params).
  if (wanted.approximate) {
    dataExtents -= 2 * params.metadataExtents;
    if (dataExtents <= 0) fail('Not enough space for thin pool creation.');
  }
  if (dataExtents * vg.extentSize < params.chunkSize) fail('Unable to create thin-pool smaller than 1 chunk.');
  if (ctx.activationDisabled) {
    // lvm2 gets as far as the spare, which it cannot zero, before it gives up.
    ctx.warn('WARNING: Skipping zeroing and wipping, compiled without activation support.');
    if (o.metadataSpare !== false && !pmspareOf(vg)) ctx.warn(`WARNING: Logical volume ${o.vg}/${nextLvolName(vg.lvs.map((l) => l.name))} not zeroed.`);
    fail("Can't create thin-pool without using device-mapper kernel driver.");
  }
  const need = dataExtents + params.metadataExtents + (o.metadataSpare !== false && !pmspareOf(vg) ? params.metadataExtents : 0);
  const free = freeExtents(vg, pvs);
  if (need > free) fail(`Volume group "${o.vg}" has insufficient free space (${free} extents): ${need} required.`, 5, 'ENOSPC_VG', { vg: o.vg, requiredExtents: need, freeExtents: free });
  const hadSpare = pmspareOf(vg);
  ensurePmspare(ctx, vg, params.metadataExtents, o.metadataSpare !== false, pvs);
  const spare = !hadSpare ? pmspareOf(vg) : undefined;
  const tdata = newHiddenLv(ctx, vg, `${name}_tdata`, dataExtents, pvs, stripes, stripeSize);
  vg.lvs.push(tdata);
  const tmeta = newHiddenLv(ctx, vg, `${name}_tmeta`, params.metadataExtents, pvs);
  vg.lvs.splice(vg.lvs.indexOf(tdata), 0, tmeta);
  const pool: LogicalVolume = {
    name, id: generateId(), status: ['READ', 'WRITE', 'VISIBLE'], flags: [], tags: [...(o.tags ?? [])], creationTime: ctx.now(), creationHost: nodename(),
    segments: [poolSegment(dataExtents, tdata.name, tmeta.name, params)],
  };
  if (o.errorWhenFull) pool.flags.push('ERROR_WHEN_FULL');
  vg.lvs.splice(vg.lvs.indexOf(tmeta), 0, pool);
  ctx.verbose(1, `Creating logical volume ${name}`);
  // Zeroed before the commit: no committed VG ever names metadata the kernel could misread.
  const f: FoundVg = { ...found, vg };
  if (spare) zeroLvStart(ctx, f, vg, spare);
  zeroWholeLv(ctx, f, vg, tmeta);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  if (o.activate !== false && canActivate(ctx)) {
    await activateLvs(ctx, rescanVg(ctx, found), [name]);
    await ctx.loadActivation();
  }
  if (!o.quiet) ctx.print(`Logical volume "${name}" created.`);
  return { vg: o.vg, name, id: pool.id };
}

// lvcreate -V --thinpool and lvcreate -s of a thin LV: a thin LV (or thin snapshot) in a pool.
// The VG is committed with a queued create message and the pool's transaction id raised; the
// pool's next load sends the message (create_thin / create_snap) and set_transaction_id; the VG
// is committed again without it (lvm2's _lv_create_an_lv, attach_pool_message, update_pool_lv).
import { maxLvProblem } from '../model/limits.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, rescanVg } from './select.ts';
import { roundUpToExtents } from './lv-size.ts';
import { checkNewLvName } from './create-lv.ts';
import { nextLvolName } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import { nodename } from '../metadata/stamp.ts';
import { lvExtents, type LogicalVolume, type ThinSegment, type VolumeGroup } from '../model/types.ts';
import { isNewPool, nextDeviceId, poolSegOf, queueMessage, queuedMessages, thinSegOf } from '../model/thin.ts';
import { checkOverprovisioning, sendPoolMessages } from './thin-common.ts';
import { activateLvs, canActivate } from './activate.ts';
import { checkPoolBelowThreshold, checkNewPool } from './thin-pool-checks.ts';

export interface CreateThinOptions {
  vg: string;
  /** The pool; for a snapshot, the origin's pool (and `origin` is set). */
  pool?: string;
  /** Thin snapshot of this thin LV. */
  origin?: string;
  name?: string;
  /** -V, sectors (not for snapshots: they take their origin's size). */
  virtualSize?: number;
  tags?: string[];
  readOnly?: boolean;
  /** Default true (lvm2's -ay). */
  activate?: boolean;
  /** -k; by default thin snapshots skip activation (activation/auto_set_activation_skip). */
  activationSkip?: boolean;
  ignoreActivationSkip?: boolean;
}

/**
 * Adds a thin LV (a snapshot of `origin` when given) to `vg` with the next device id of its pool,
 * and queues its create message in the pool (raising the transaction id once per batch).
 */
export function addThinLv(ctx: Ctx, vg: VolumeGroup, o: { pool: string; name: string; extents: number; origin?: string; readOnly?: boolean; tags?: string[]; activationSkip?: boolean }): LogicalVolume {
  const deviceId = nextDeviceId(vg, o.pool) ?? fail('Cannot find free device_id.');
  const pseg = poolSegOf(vg.lvs.find((l) => l.name === o.pool))!;
  const seg: ThinSegment = { kind: 'thin', type: 'thin', startExtent: 0, extentCount: o.extents, tags: [], thinPool: o.pool, transactionId: pseg.transactionId, deviceId, extra: [] };
  if (o.origin !== undefined) seg.origin = o.origin;
  const lv: LogicalVolume = {
    name: o.name, id: generateId(), status: o.readOnly ? ['READ', 'VISIBLE'] : ['READ', 'WRITE', 'VISIBLE'], flags: [], tags: [...(o.tags ?? [])],
    creationTime: ctx.now(), creationHost: nodename(), segments: [seg],
  };
  const skip = o.activationSkip ?? (o.origin !== undefined && ctx.config.int('activation/auto_set_activation_skip', 1) !== 0);
  if (skip) lv.flags.push('ACTIVATION_SKIP');
  vg.lvs.push(lv);
  queueMessage(pseg, { type: 'create', lv: o.name });
  return lv;
}

export async function createThin(ctx: Ctx, o: CreateThinOptions): Promise<{ vg: string; name: string; id: string }> {
  if (o.name !== undefined) checkNewLvName(o.name);
  await ctx.locks.vg(o.vg);
  let found = findVgOrFail(ctx, o.vg);
  let vg: VolumeGroup = cloneVg(found.vg);
  const origin = o.origin !== undefined ? vg.lvs.find((l) => l.name === o.origin) : undefined;
  if (o.origin !== undefined && !origin) fail(`Origin volume ${o.origin} not found in Volume group ${o.vg}.`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: o.origin });
  const poolName = o.pool ?? thinSegOf(origin)?.thinPool;
  if (origin && !thinSegOf(origin)) fail(`Logical volume ${o.vg}/${o.origin} is not a thin volume. Thin snapshot supports only thin origins.`);
  const poolLv = vg.lvs.find((l) => l.name === poolName);
  if (!poolLv || !poolSegOf(poolLv)) fail(`Couldn't find volume ${poolName} in Volume group ${o.vg}.`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: poolName ?? '' });
  const name = o.name ?? nextLvolName(vg.lvs.map((l) => l.name));
  if (vg.lvs.some((l) => l.name === name)) fail(`Logical Volume "${name}" already exists in volume group "${o.vg}"`, 5, 'INVALID_NAME', { vg: o.vg, lv: name });
  const full = maxLvProblem(vg);
  if (full) fail(full);
  let extents: number;
  if (origin) extents = lvExtents(origin);
  else {
    extents = roundUpToExtents(ctx, o.virtualSize ?? fail('Please specify either size or extents.', 3, 'INVALID_ARGUMENT'), vg.extentSize);
    const chunk = poolSegOf(poolLv)!.chunkSize;
    if (chunk > vg.extentSize) {
      const up = Math.floor(Math.ceil((vg.extentSize * extents) / chunk) * chunk / vg.extentSize);
      if (up !== extents) {
        ctx.print(`Rounding size (${extents} extents) up to chunk boundary size (${up} extents).`);
        extents = up;
      }
    }
  }
  if (ctx.activationDisabled) fail("Can't create thin without using device-mapper kernel driver.");
  const poolWasActive = !!ctx.activeLv(vg.id, poolLv.id);
  if (isNewPool(poolLv)) await checkNewPool(ctx, found, poolLv.name);
  else {
    if (!poolWasActive) {
      try {
        await activateLvs(ctx, found, [poolLv.name]);
      } catch {
        fail(`Aborting. Failed to locally activate thin pool ${o.vg}/${poolLv.name}.`);
      }
      await ctx.loadActivation();
    }
    if (!checkPoolBelowThreshold(ctx, vg, poolLv)) fail(`Cannot create new thin volume, free space in thin pool ${o.vg}/${poolLv.name} reached threshold.`);
  }
  // Messages a crash left queued go to the pool first, so that this creation is one batch.
  if (queuedMessages(poolSegOf(poolLv)!).length) {
    found = await sendPoolMessages(ctx, found, poolLv.name);
    vg = cloneVg(found.vg);
  }
  const lv = addThinLv(ctx, vg, { pool: poolLv.name, name, extents, ...(origin ? { origin: origin.name } : {}), ...(o.readOnly ? { readOnly: true } : {}), ...(o.tags ? { tags: o.tags } : {}), ...(o.activationSkip !== undefined ? { activationSkip: o.activationSkip } : {}) });
  const skip = lv.flags.includes('ACTIVATION_SKIP');
  checkOverprovisioning(ctx, vg, poolLv.name);
  ctx.verbose(1, `Creating logical volume ${name}`);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  found = rescanVg(ctx, found);
  // The kernel wants the origin of a snapshot quiesced while it shares its mappings.
  const originActive = origin && ctx.activeLv(vg.id, origin.id);
  const release = originActive ? await ctx.activator.hold(o.vg, [origin.name]) : undefined;
  try {
    found = await sendPoolMessages(ctx, found, poolLv.name);
  } finally {
    await release?.();
  }
  vg = found.vg;
  const activate = o.activate !== false && canActivate(ctx) && (!skip || o.ignoreActivationSkip === true);
  if (activate) await activateLvs(ctx, found, [name]);
  else if (!poolWasActive && ctx.activeLv(vg.id, poolLv.id)) await ctx.activator.deactivate(o.vg, [poolLv.name]);
  await ctx.loadActivation();
  ctx.print(`Logical volume "${name}" created.`);
  return { vg: o.vg, name, id: lv.id };
}


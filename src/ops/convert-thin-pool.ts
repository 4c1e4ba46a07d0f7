// lvconvert --type thin-pool [--poolmetadata M] D: the LV D becomes the data of a new pool named
// D (`D_tdata`), M (or a new LV) its metadata (`D_tmeta`), wiped whole; lvm2's
// _lvconvert_to_pool, with its warning, question and messages.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, rescanVg } from './select.ts';
import { roundUpToExtents } from './lv-size.ts';
import { generateId } from '../formats/uuid.ts';
import { nodename } from '../metadata/stamp.ts';
import { lvExtents, type LogicalVolume } from '../model/types.ts';
import { thinPoolParams } from './thin-pool-params.ts';
import { ensurePmspare, newHiddenLv, poolSegment, zeroWholeLv } from './thin-common.ts';
import { activateLvs, canActivate } from './activate.ts';
import { isPool, pmspareOf, poolOfSubLv } from '../model/thin.ts';
import { snapshotOfCow, snapshotsOfOrigin } from '../model/snapshots.ts';
import { zeroLvStart } from './wipe.ts';
import type { FoundVg } from '../metadata/scan.ts';

export interface ConvertThinPoolOptions {
  vg: string;
  /** The LV that becomes the pool's data. */
  lv: string;
  /** --poolmetadata: an existing LV for the pool's metadata. */
  metadataLv?: string;
  /** --poolmetadatasize, sectors (when no metadata LV is given). */
  metadataSize?: number;
  chunkSize?: number;
  metadataSpare?: boolean;
  zero?: boolean;
  discards?: 'ignore' | 'nopassdown' | 'passdown';
  errorWhenFull?: boolean;
  /** -y: no question. */
  yes?: boolean;
}

export async function convertToThinPool(ctx: Ctx, o: ConvertThinPoolOptions): Promise<{ vg: string; name: string; id: string }> {
  await ctx.locks.vg(o.vg);
  const found = findVgOrFail(ctx, o.vg);
  const vg = cloneVg(found.vg);
  const data = vg.lvs.find((l) => l.name === o.lv);
  if (!data) fail(`Failed to find logical volume "${o.vg}/${o.lv}"`, 5, 'LV_NOT_FOUND', { vg: o.vg, lv: o.lv });
  // lvm2 asks the kernel for the thin-pool target before anything else about the conversion.
  if (ctx.activationDisabled) fail('thin-pool: Required device-mapper target(s) not detected in your kernel.');
  const dataName = `${o.vg}/${data.name}`;
  let meta: LogicalVolume | undefined;
  if (o.metadataLv !== undefined) {
    const mName = o.metadataLv.replace(/^.*\//, '');
    meta = vg.lvs.find((l) => l.name === mName);
    if (!meta) fail(`Unknown pool metadata LV ${mName}.`);
    if (meta === data) fail(`Can't use same LV for pool data and metadata LV ${o.vg}/${meta.name}.`);
    if (!meta.status.includes('VISIBLE') || poolOfSubLv(vg, meta.name)) fail(`Can't convert internal LV ${o.vg}/${meta.name}.`);
    if (isPool(meta) || meta.segments.some((s) => s.kind !== 'striped') || snapshotOfCow(vg, meta.name) || snapshotsOfOrigin(vg, meta.name).length)
      fail(`Pool metadata LV ${o.vg}/${meta.name} is of an unsupported type.`);
  }
  if (snapshotsOfOrigin(vg, data.name).length || snapshotOfCow(vg, data.name) || data.segments.some((s) => s.kind !== 'striped'))
    fail(`Command on LV ${dataName} does not accept LV type ${data.segments[0]?.type ?? 'linear'}.`);
  const dataExtents = lvExtents(data);
  const params = thinPoolParams(ctx, {
    dataExtents, extentSize: vg.extentSize,
    ...(o.chunkSize !== undefined ? { chunkSize: o.chunkSize } : {}),
    ...(meta ? { metadataExtents: lvExtents(meta), metadataLv: `${o.vg}/${meta.name}` } : o.metadataSize !== undefined ? { metadataExtents: roundUpToExtents(ctx, o.metadataSize, vg.extentSize) } : {}),
    ...(o.zero !== undefined ? { zero: o.zero } : {}),
    ...(o.discards !== undefined ? { discards: o.discards } : {}),
  });
  if (meta && lvExtents(meta) < params.metadataExtents) fail(`Pool metadata LV ${o.vg}/${meta.name} is too small (${lvExtents(meta)} extents) for required metadata (${params.metadataExtents} extents).`);
  const both = meta ? `${dataName} and ${o.vg}/${meta.name}` : dataName;
  ctx.warn(`WARNING: Converting ${both} to thin pool's data${meta ? ' and metadata volumes' : ' volume'} with metadata wiping.`);
  ctx.warn('THIS WILL DESTROY CONTENT OF LOGICAL VOLUME (filesystem etc.)');
  if (!o.yes && !ctx.prompt(`Do you really want to convert ${both}? [y/n]: `)) fail('Conversion aborted.', 5, 'FAILED', { vg: o.vg, lv: o.lv });
  const wasActive = !!ctx.activeLv(vg.id, data.id);
  for (const l of [data, meta]) if (l && ctx.activeLv(vg.id, l.id)?.openCount) fail(`Logical volume ${o.vg}/${l.name} in use.`, 5, 'DEVICE_IN_USE', { vg: o.vg, lv: l.name });
  const down = [data, meta].filter((l): l is LogicalVolume => !!l && !!ctx.activeLv(vg.id, l.id)).map((l) => l.name);
  if (down.length && canActivate(ctx)) await ctx.activator.deactivate(o.vg, down);
  const poolName = data.name;
  if (!meta) {
    meta = newHiddenLv(ctx, vg, `${poolName}_tmeta`, params.metadataExtents);
    vg.lvs.push(meta);
  }
  const f: FoundVg = { ...found, vg };
  // The metadata is wiped whole before anything names it: the kernel formats all-zero metadata.
  zeroWholeLv(ctx, f, vg, meta);
  data.name = `${poolName}_tdata`;
  data.status = data.status.filter((s) => s !== 'VISIBLE');
  meta.name = `${poolName}_tmeta`;
  meta.status = meta.status.filter((s) => s !== 'VISIBLE');
  const pool: LogicalVolume = {
    name: poolName, id: generateId(), status: ['READ', 'WRITE', 'VISIBLE'], flags: [], tags: [], creationTime: ctx.now(), creationHost: nodename(),
    segments: [poolSegment(dataExtents, data.name, meta.name, params)],
  };
  if (o.errorWhenFull) pool.flags.push('ERROR_WHEN_FULL');
  vg.lvs.push(pool);
  const hadSpare = pmspareOf(vg);
  ensurePmspare(ctx, vg, 0, o.metadataSpare !== false);
  const spare = !hadSpare ? pmspareOf(vg) : undefined;
  if (spare) zeroLvStart(ctx, f, vg, spare);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  if (wasActive && canActivate(ctx)) await activateLvs(ctx, rescanVg(ctx, found), [poolName]);
  await ctx.loadActivation();
  ctx.print(`Converted ${both} to thin pool.`);
  return { vg: o.vg, name: poolName, id: pool.id };
}

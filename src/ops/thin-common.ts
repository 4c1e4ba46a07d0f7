// What pool creation, conversion and thin LV creation share: the pool metadata spare (lvm2's
// handle_pool_metadata_spare), zeroing a metadata LV whole, the pool segment, the
// over-provisioning warnings and sending a pool its queued messages.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { allocate, appendSegments, freeExtents } from '../model/alloc.ts';
import { nextLvolName } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import { nodename } from '../metadata/stamp.ts';
import { lvExtents, type LogicalVolume, type ThinPoolSegment, type VolumeGroup } from '../model/types.ts';
import { mapLvRange } from '../mapper/extent-map.ts';
import { displaySize } from '../report/units.ts';
import { clearMessages, pmspareOf, poolSegOf, poolsOf, queuedMessages, thinsOfPool } from '../model/thin.ts';
import { cloneVg } from '../model/clone.ts';
import { rescanVg } from './select.ts';

/** lvm2 caps the spare at 16 GiB. */
const MAX_SPARE_SECTORS = 2 * 16 * 1024 * 1024;

/** A hidden LV (not yet in the VG) with the extents given, allocated now. */
export function newHiddenLv(ctx: Ctx, vg: VolumeGroup, name: string, extents: number, pvs?: Set<string>, stripes = 1, stripeSize?: number): LogicalVolume {
  const res = allocate(vg, { extents, stripes, ...(stripeSize ? { stripeSize } : {}), ...(pvs ? { pvs } : {}), approximate: false });
  if (!res || res.allocated < extents) fail(`Insufficient suitable allocatable extents for logical volume ${name}: ${extents - (res?.allocated ?? 0)} more required`, 5, 'ENOSPC_VG', { vg: vg.name });
  return { name, id: generateId(), status: ['READ', 'WRITE'], flags: [], tags: [], creationTime: ctx.now(), creationHost: nodename(), segments: res.segments };
}

/**
 * Makes sure the VG has a pool metadata spare at least `extents` big (the largest metadata LV's
 * size when 0), creating `lvolN_pmspare` or extending it; with `--poolmetadataspare n` only warns.
 */
export function ensurePmspare(ctx: Ctx, vg: VolumeGroup, extents: number, wanted: boolean, pvs?: Set<string>): void {
  if (!extents) for (const p of poolsOf(vg)) extents = Math.max(extents, lvExtents(vg.lvs.find((l) => l.name === poolSegOf(p)!.metadata)!));
  if (!wanted) {
    if (extents) ctx.warn('WARNING: recovery of pools without pool metadata spare LV is not automated.');
    return;
  }
  if (!extents) return;
  extents = Math.min(extents, Math.ceil(MAX_SPARE_SECTORS / vg.extentSize));
  const spare = pmspareOf(vg);
  if (!spare) {
    const name = nextLvolName(vg.lvs.map((l) => l.name));
    const lv = newHiddenLv(ctx, vg, `${name}_pmspare`, extents, pvs);
    vg.lvs.push(lv);
    return;
  }
  const have = lvExtents(spare);
  if (have >= extents) return;
  const res = allocate(vg, { extents: extents - have, stripes: 1, extend: spare, ...(pvs ? { pvs } : {}), approximate: false });
  if (!res || res.allocated < extents - have) fail(`Insufficient suitable allocatable extents for logical volume ${spare.name}: ${extents - have} more required`, 5, 'ENOSPC_VG', { vg: vg.name });
  appendSegments(spare, res.segments);
}

/** Zeroes a (metadata) LV whole on its PVs: the kernel formats all-zero pool metadata. */
export function zeroWholeLv(ctx: Ctx, found: FoundVg, vg: VolumeGroup, lv: LogicalVolume): void {
  const bytes = lvExtents(lv) * vg.extentSize * 512;
  ctx.verbose(1, `Initializing ${displaySize(bytes / 512)} of logical volume ${vg.name}/${lv.name} with value 0.`);
  const chunk = new Uint8Array(1024 * 1024);
  for (const piece of mapLvRange(vg, lv, 0, bytes)) {
    const dev = ctx.opener.open(found.pvDevices.get(piece.pv.id)!.path, true);
    try {
      for (let at = 0; at < piece.length; at += chunk.length) dev.write(piece.offset + at, chunk.subarray(0, Math.min(chunk.length, piece.length - at)));
      dev.flush();
    } finally {
      dev.close();
    }
  }
}

/** The pool segment of a new pool over `data` and `metadata`. */
export function poolSegment(extents: number, data: string, metadata: string, p: { chunkSize: number; discards: string; zero: boolean; cropMetadata?: 0 | 1 }): ThinPoolSegment {
  const seg: ThinPoolSegment = {
    kind: 'thin-pool', type: 'thin-pool', startExtent: 0, extentCount: extents, tags: [],
    metadata, pool: data, transactionId: 0, chunkSize: p.chunkSize, discards: p.discards, zeroNewBlocks: p.zero, extra: [],
  };
  if (p.cropMetadata !== undefined) seg.cropMetadata = p.cropMetadata;
  return seg;
}

const sumSize = (vg: VolumeGroup, lvs: LogicalVolume[]) => lvs.reduce((n, l) => n + lvExtents(l) * vg.extentSize, 0);

/** lvm2's pool_check_overprovisioning, after a thin LV or pool was created or extended. */
export function checkOverprovisioning(ctx: Ctx, vg: VolumeGroup, poolName: string): void {
  const pool = vg.lvs.find((l) => l.name === poolName)!;
  let thinSum = sumSize(vg, thinsOfPool(vg, poolName));
  let poolSum = lvExtents(pool) * vg.extentSize;
  if (thinSum <= poolSum) return;
  const pools = poolsOf(vg);
  if (pools.length > 1) {
    thinSum = pools.reduce((n, p) => n + sumSize(vg, thinsOfPool(vg, p.name)), 0);
    poolSum = pools.reduce((n, p) => n + lvExtents(p) * vg.extentSize, 0);
    if (thinSum <= poolSum) return;
  }
  const threshold = Math.max(50, ctx.config.int('activation/thin_pool_autoextend_threshold', 100));
  const percent = ctx.config.int('activation/thin_pool_autoextend_percent', 20);
  const vgSize = vg.pvs.reduce((n, p) => n + p.peCount, 0) * vg.extentSize;
  const vgFree = freeExtents(vg) * vg.extentSize;
  let tail: string;
  let size: number | undefined;
  if (vgSize < thinSum) {
    tail = ' and the size of whole volume group';
    size = vgSize;
  } else if (vgFree < thinSum) {
    tail = vgFree ? ' and the amount of free space in volume group' : '';
    size = vgFree || undefined;
  } else if (threshold > 99 || percent === 0) {
    tail = '';
    size = poolSum;
  } else return;
  const which = pools.length > 1 ? 's' : ` ${vg.name}/${poolName}`;
  const sizeText = size !== undefined ? displaySize(size) : 'no free space in volume group';
  ctx.warn(`WARNING: Sum of all thin volume sizes (${displaySize(thinSum)}) exceeds the size of thin pool${which}${tail} (${sizeText}).`);
  if (threshold > 99) {
    ctx.print('WARNING: You have not turned on protection against thin pools running out of space.');
    ctx.print('WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.');
  } else if (percent === 0) {
    ctx.print('WARNING: You have not turned on protection against thin pools running out of space.');
    ctx.print('WARNING: Set activation/thin_pool_autoextend_percent above 0 to specify by how much to extend thin pools reaching the threshold.');
  }
}

/**
 * lvm2's update_pool_lv: the pool's table is (re)loaded with its messages (the activation sends
 * what the kernel lacks, then set_transaction_id), and the VG is committed without them.
 * Returns the found VG as committed.
 */
export async function sendPoolMessages(ctx: Ctx, found: FoundVg, poolName: string): Promise<FoundVg> {
  const sent = await deliverPoolMessages(ctx, found, [poolName]);
  return sent.length ? clearPoolMessages(ctx, found, sent) : found;
}

/**
 * The pools' queued messages go to their targets: one reload of the VG for the active pools (it
 * loads each with its messages), the others come up for them and go down again (lvm2 activates
 * them "locally"). Returns the pools that had messages.
 */
export async function deliverPoolMessages(ctx: Ctx, found: FoundVg, poolNames: string[]): Promise<string[]> {
  const pools = poolNames.filter((n) => {
    const seg = poolSegOf(found.vg.lvs.find((l) => l.name === n));
    return !!seg && queuedMessages(seg).length > 0;
  });
  const active = pools.filter((n) => ctx.activeLv(found.vg.id, found.vg.lvs.find((l) => l.name === n)!.id));
  if (active.length) await ctx.activator.reload(found.vg.name, ctx.pvPaths(found, true));
  for (const poolName of pools.filter((n) => !active.includes(n))) {
    await ctx.activator.activate({ vgName: found.vg.name, lvNames: [poolName], devices: ctx.pvPaths(found, true) });
    await ctx.activator.deactivate(found.vg.name, [poolName]);
  }
  return pools;
}

/** After the pools took their messages: the VG committed without them (one commit for all). */
export async function clearPoolMessages(ctx: Ctx, found: FoundVg, poolNames: string[]): Promise<FoundVg> {
  const vg = cloneVg(found.vg);
  for (const poolName of poolNames) clearMessages(poolSegOf(vg.lvs.find((l) => l.name === poolName))!);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  await ctx.loadActivation();
  return rescanVg(ctx, found);
}

/** After a metadata LV grew: the spare grows to the largest metadata LV, as lvm2 re-runs handle_pool_metadata_spare. */
export async function growPmspare(ctx: Ctx, vgName: string): Promise<void> {
  const found = ctx.scan(true).get(vgName);
  if (!found || !pmspareOf(found.vg)) return;
  const vg = cloneVg(found.vg);
  const before = lvExtents(pmspareOf(vg)!);
  ensurePmspare(ctx, vg, 0, true);
  if (lvExtents(pmspareOf(vg)!) !== before) ctx.commit(vg, ctx.pvPaths(found), found.vg);
}

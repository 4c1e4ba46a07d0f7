// lvm2's checks of a pool before a thin LV goes into it: a new pool must come up with the
// transaction id its VG metadata says (check_new_thin_pool); a used one must not be failed,
// full or short of metadata (pool_below_threshold).
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { parseThinPoolStatus, makePercent } from '../segtypes/thin-status.ts';
import { poolSegOf, queuedMessages } from '../model/thin.ts';
import { activateLvs } from './activate.ts';
import { cFixed } from '../report/units.ts';

/** Activates a new pool, checks the kernel's transaction id against the VG's, and takes it down again. */
export async function checkNewPool(ctx: Ctx, found: FoundVg, poolName: string): Promise<void> {
  const pool = found.vg.lvs.find((l) => l.name === poolName)!;
  const vgTid = poolSegOf(pool)!.transactionId;
  if (!ctx.activeLv(found.vg.id, pool.id)) {
    try {
      await activateLvs(ctx, found, [poolName]);
    } catch {
      fail(`Aborting. Failed to locally activate thin pool ${found.vg.name}/${poolName}.`);
    }
  }
  const a = (await ctx.loadActivation()).find((x) => x.vgId === found.vg.id && x.lvId === pool.id);
  const s = a?.thinPoolStatus !== undefined ? parseThinPoolStatus(a.thinPoolStatus) : undefined;
  if (s && s.transactionId !== vgTid) fail(`Cannot use thin pool ${found.vg.name}/${poolName} with transaction id ${s.transactionId} for thin volumes. Expected transaction id ${vgTid}.`);
  ctx.verbose(1, `Deactivating public thin pool ${found.vg.name}/${poolName}.`);
  await ctx.activator.deactivate(found.vg.name, [poolName]);
  await ctx.loadActivation();
}

/** pool_below_threshold: false (after lvm2's warnings) when no new thin volume may go in. */
export function checkPoolBelowThreshold(ctx: Ctx, vg: VolumeGroup, pool: LogicalVolume): boolean {
  const a = ctx.activeLv(vg.id, pool.id);
  if (a?.thinPoolStatus === undefined) return true;
  const s = parseThinPoolStatus(a.thinPoolStatus);
  if (!s) return true;
  const name = `${vg.name}/${pool.name}`;
  if (s.fail || s.outOfDataSpace || s.needsCheck || s.error || s.readOnly) {
    ctx.warn(`WARNING: Thin pool ${name}${s.fail ? ' is failed' : ''}${s.outOfDataSpace ? ' is out of data space' : ''}${s.needsCheck ? ' needs check' : ''}${s.error ? ' is erroring' : ''}${s.readOnly ? ' has read-only metadata' : ''}.`);
    return false;
  }
  const threshold = Math.min(100, Math.max(50, ctx.config.int('activation/thin_pool_autoextend_threshold', 100)));
  if (makePercent(s.usedData, s.totalData) > threshold) return false;
  // The metadata must keep min(25%, 4 MiB) free (lvm2's _check_metadata_threshold).
  const metaSectors = s.totalMetadata * 8;
  const minFree = Math.min(25, (100 * 8192) / metaSectors);
  const used = makePercent(s.usedMetadata, s.totalMetadata);
  if (used >= 100 - minFree) {
    ctx.warn(`WARNING: Remaining free space in metadata of thin pool ${name} is too low (${cFixed(used, 2)}% >= ${cFixed(100 - minFree, 2)}%). Resize is recommended.`);
    return false;
  }
  if (used > threshold) return false;
  const vgTid = poolSegOf(pool)!.transactionId;
  const queued = queuedMessages(poolSegOf(pool)!).length > 0;
  if (s.transactionId !== vgTid && !(queued && s.transactionId + 1 === vgTid)) {
    ctx.warn(`WARNING: Thin pool ${name} has unexpected transaction id ${s.transactionId}, expecting ${vgTid}${queued ? ' or lower by 1' : ''}.`);
    return false;
  }
  return true;
}

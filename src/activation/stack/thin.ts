// The thin family as lvm2 stacks it (dev_manager.c): a pool's thin-pool target over its `_tmeta`
// and `_tdata` devices, in the pool's own device while the pool is new (VG transaction id 0),
// else in `-tpool` with the pool's device a read-only linear over it; a thin LV's thin target
// over the device carrying its pool. Loading a pool's table sends the messages its VG metadata
// queues, as libdm does on the pool's resume (_thin_pool_node_send_messages).
import { oneLine } from '../../mapper/dm-table.ts';
import { ThinPool, ThinPoolError } from '../../mapper/thin-pool.ts';
import { thinDmTarget, thinPoolDmTarget } from '../../mapper/thin-dm.ts';
import type { DmTarget } from '../../mapper/dm-table.ts';
import type { LogicalVolume, ThinPoolSegment, VolumeGroup } from '../../model/types.ts';
import { lvExtents } from '../../model/types.ts';
import { METADATA_MAX_BLOCKS } from '../../pdata/space-map-metadata.ts';
import { isNewPool, kernelMessages, poolSegOf, thinSegOf } from '../../model/thin.ts';
import { parseThinPoolStatus } from '../../segtypes/thin-status.ts';
import { ActivationError } from '../activator.ts';
import type { ActivePool, StackBuilder, StackContext } from './types.ts';

/** lvm2's low water mark: (100 − threshold)% of the data blocks, none while the threshold is 100 (the default). */
export function lowWaterMark(dataBlocks: number, threshold: number): number {
  const t = Math.max(50, threshold);
  return t >= 100 ? 0 : Math.floor((dataBlocks * (100 - t)) / 100);
}

async function sendMessages(vg: VolumeGroup, seg: ThinPoolSegment, ap: ActivePool): Promise<void> {
  const dm = ap.carrier.name;
  const s = parseThinPoolStatus(ap.pool.status());
  const kernel = s?.transactionId ?? 0;
  const want = seg.transactionId;
  if (kernel === want) return;
  if (kernel + 1 !== want) throw new ActivationError(`Thin pool ${dm} transaction_id is ${kernel}, while expected ${want}.`);
  if (s && (s.fail || s.readOnly || s.needsCheck))
    throw new ActivationError(`Cannot send messages to thin pool ${dm}${s.fail ? ' in failed state' : ''}${s.readOnly ? ' with read only metadata' : ''}${s.needsCheck ? ' which needs check first' : ''}.`);
  for (const m of kernelMessages(vg, seg)) {
    try {
      await ap.pool.message(m);
    } catch (e) {
      if (e instanceof ThinPoolError && e.errno === 'EEXIST' && m.startsWith('create')) {
        const id = m.split(' ')[1];
        throw new ActivationError(`Thin pool ${dm} already contain thin device with device_id ${id}.`);
      }
      throw new ActivationError(`Failed to process thin pool message "${m}": ${(e as Error).message}.`);
    }
  }
  await ap.pool.message(`set_transaction_id ${want - 1} ${want}`);
  const after = parseThinPoolStatus(ap.pool.status())?.transactionId;
  if (after !== want) throw new ActivationError(`Thin pool ${dm} transaction_id is ${after} and does not match expected  ${want}.`);
}

function needSub(ctx: StackContext, vg: VolumeGroup, name: string) {
  const s = ctx.subLv(name);
  if (!s) throw new ActivationError(`Thin pool component ${vg.name}/${name} is not active.`);
  return s;
}

export const thinPoolBuilder: StackBuilder = {
    async buildStack(vg: VolumeGroup, lv: LogicalVolume, ctx: StackContext) {
      const seg = poolSegOf(lv)!;
      const meta = needSub(ctx, vg, seg.metadata);
      const data = needSub(ctx, vg, seg.pool);
      const fresh = isNewPool(lv);
      const carrier = fresh ? ctx.top : ctx.layer('tpool');
      let ap = ctx.thinPool;
      const blocks = Math.floor(data.table.size / (seg.chunkSize * 512));
      const s = ctx.thinSettings;
      if (!ap) {
        let pool: ThinPool;
        try {
          pool = ThinPool.open({
            metadata: ctx.syncLv(seg.metadata),
            data: data.table,
            dataBlockSize: seg.chunkSize,
            lowWaterMark: lowWaterMark(blocks, s.autoextendThreshold),
            zeroNewBlocks: seg.zeroNewBlocks,
            discards: seg.discards === 'ignore' || seg.discards === 'nopassdown' ? seg.discards : 'passdown',
            errorIfNoSpace: lv.flags.includes('ERROR_WHEN_FULL'),
            noSpaceTimeout: s.noSpaceTimeout,
            log: ctx.log,
            name: carrier.dev,
            dataDevName: `dm-${data.dev.minor}`,
          });
        } catch (e) {
          if (e instanceof ThinPoolError) {
            ctx.log(`device-mapper: table: ${carrier.dev}: thin-pool: ${e.message}`);
            throw new ActivationError(`Failed to activate thin pool ${vg.name}/${lv.name}.`);
          }
          throw e;
        }
        ap = { pool, carrier };
      } else {
        ap.carrier = carrier;
        const grewData = data.table.size > ap.pool.data.size;
        const metaLv = vg.lvs.find((l) => l.name === seg.metadata);
        const metaBlocks = Math.min(METADATA_MAX_BLOCKS, Math.floor((metaLv ? lvExtents(metaLv) * vg.extentSize * 512 : 0) / 4096));
        const grewMeta = metaBlocks > ap.pool.md.usage().metadata.total;
        if (grewData || grewMeta || data.table !== ap.pool.data) await ap.pool.resize({ data: data.table, ...(grewMeta ? { metadata: ctx.syncLv(seg.metadata) } : {}) });
      }
      await sendMessages(vg, seg, ap);
      const poolTarget: DmTarget = thinPoolDmTarget(ap.pool, meta.dev.dev, data.dev.dev);
      // The thin-pool target passes I/O to its data device.
      const loads = [{ dev: carrier, table: oneLine(data.table, poolTarget, false) }];
      if (!fresh) {
        const sectors = lvExtents(lv) * vg.extentSize;
        const linear: DmTarget = { type: 'linear', table: () => `${carrier.dev} 0`, status: () => '', devices: () => [carrier.dev] };
        if (sectors * 512 !== data.table.size) throw new ActivationError(`Thin pool ${vg.name}/${lv.name} is not as big as its data.`);
        loads.push({ dev: ctx.top, table: oneLine(data.table, linear, true) });
      }
      return { loads, thinPool: ap };
    },
};

export const thinBuilder: StackBuilder = {
  async buildStack(vg, lv, ctx) {
    const seg = thinSegOf(lv)!;
    const ap = ctx.pool(seg.thinPool);
    if (!ap) throw new ActivationError(`Thin pool ${vg.name}/${seg.thinPool} is not active.`);
    let target;
    try {
      target = ap.pool.thin(seg.deviceId, lvExtents(lv) * vg.extentSize * 512);
    } catch (e) {
      ctx.log(`device-mapper: table: thin: Couldn't open thin internal device: ${(e as Error).message}`);
      throw new ActivationError(`Failed to activate ${vg.name}/${lv.name}.`);
    }
    return { loads: [{ dev: ctx.top, table: oneLine(target, thinDmTarget(ap.carrier.dev, target), ctx.readOnly) }], thinTarget: target };
  },
};

// A thin LV's segment (lvm2 lib/thin): its pool, its device id in the pool's metadata, and the
// origin it was snapshotted from. Only the metadata side for now.
import type { ThinSegment } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';
import { writeExtra } from './thin-pool.ts';
import { leftovers, optString, reqString, reqUint, segError } from './text.ts';

const KNOWN = new Set(['thin_pool', 'transaction_id', 'origin', 'merge', 'device_id', 'external_origin']);
/** DM_THIN_MAX_DEVICE_ID: device ids are 24 bits. */
const MAX_DEVICE_ID = (1 << 24) - 1;

export const thin: SegtypeHandler<ThinSegment> = {
  name: 'thin',
  kind: 'thin',
  textImport(nodes, base, ctx) {
    const thinPool = reqString(nodes, 'thin_pool', ctx, segError(ctx, 'Thin pool must be a string in'));
    if (!ctx.lvExists(thinPool)) ctx.fail(segError(ctx, `Unknown thin pool ${thinPool} in`));
    const transactionId = reqUint(nodes, 'transaction_id', ctx, segError(ctx, 'Could not read transaction_id for'));
    const origin = optString(nodes, 'origin', ctx, segError(ctx, 'Origin must be a string in'));
    if (origin !== undefined && !ctx.lvExists(origin)) ctx.fail(segError(ctx, `Unknown origin ${origin} in`));
    const merge = optString(nodes, 'merge', ctx, segError(ctx, 'Merge lv must be a string in'));
    if (merge !== undefined && !ctx.lvExists(merge)) ctx.fail(segError(ctx, `Unknown merge lv ${merge} in`));
    const deviceId = reqUint(nodes, 'device_id', ctx, segError(ctx, 'Could not read device_id for'));
    if (deviceId > MAX_DEVICE_ID) ctx.fail(segError(ctx, `Unsupported value ${deviceId} for device_id`));
    const externalOrigin = optString(nodes, 'external_origin', ctx, segError(ctx, 'External origin must be a string in'));
    if (externalOrigin !== undefined && !ctx.lvExists(externalOrigin)) ctx.fail(segError(ctx, `Unknown external origin ${externalOrigin} in`));
    const seg: ThinSegment = { ...base, kind: 'thin', thinPool, transactionId, deviceId, extra: leftovers(nodes, KNOWN) };
    if (origin !== undefined) seg.origin = origin;
    if (externalOrigin !== undefined) seg.externalOrigin = externalOrigin;
    if (merge !== undefined) seg.merge = merge;
    return seg;
  },
  textExport(seg, out) {
    out.line(`thin_pool = "${seg.thinPool}"`);
    out.line(`transaction_id = ${seg.transactionId}`);
    out.line(`device_id = ${seg.deviceId}`);
    if (seg.externalOrigin !== undefined) out.line(`external_origin = "${seg.externalOrigin}"`);
    if (seg.origin !== undefined) out.line(`origin = "${seg.origin}"`);
    if (seg.merge !== undefined) out.line(`merge = "${seg.merge}"`);
    writeExtra(out, seg.extra);
  },
  references: (seg) => [seg.thinPool, ...[seg.externalOrigin, seg.origin, seg.merge].filter((n): n is string => n !== undefined)],
  rename(seg, from, to) {
    if (seg.thinPool === from) seg.thinPool = to;
    if (seg.origin === from) seg.origin = to;
    if (seg.externalOrigin === from) seg.externalOrigin = to;
    if (seg.merge === from) seg.merge = to;
  },
};

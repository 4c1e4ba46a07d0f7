// A thin pool's segment (lvm2 lib/thin): its data LV (`pool`), its metadata LV, and the pool-wide
// settings. Only the metadata side for now: no target, status or monitoring yet.
import type { ThinPoolSegment } from '../model/types.ts';
import type { SegtypeHandler, TextImportCtx, TextWriter } from './handler.ts';
import type { RawNode } from '../model/raw.ts';
import { writeNode } from './raw-text.ts';
import { has, leftovers, optString, optUint, reqString, reqUint, segError, value } from './text.ts';

const KNOWN = new Set(['metadata', 'pool', 'transaction_id', 'chunk_size', 'discards', 'zero_new_blocks', 'crop_metadata']);
const DISCARDS = new Set(['ignore', 'nopassdown', 'passdown']);
/** DM_THIN_MIN_DATA_BLOCK_SIZE, DM_THIN_MAX_DATA_BLOCK_SIZE (sectors). */
const MIN_CHUNK = 128;
const MAX_CHUNK = 2097152;

/** Keys lvm2 does not know go back as they came; pending messages after an empty line, as lvm2 writes them. */
export function writeExtra(out: TextWriter, extra: RawNode[]): void {
  let first = true;
  for (const n of extra) {
    if (n.children && first) out.nl();
    if (n.children) first = false;
    writeNode(out, n);
  }
}

export const thinPool: SegtypeHandler<ThinPoolSegment> = {
  name: 'thin-pool',
  kind: 'thin-pool',
  textImport(nodes, base, ctx) {
    const metadata = reqString(nodes, 'metadata', ctx, segError(ctx, 'Metadata must be a string in'));
    if (!ctx.lvExists(metadata)) ctx.fail(segError(ctx, `Unknown metadata ${metadata} in`));
    const pool = reqString(nodes, 'pool', ctx, segError(ctx, 'Pool must be a string in'));
    if (!ctx.lvExists(pool)) ctx.fail(segError(ctx, `Unknown pool ${pool} in`));
    const transactionId = reqUint(nodes, 'transaction_id', ctx, segError(ctx, 'Could not read transaction_id for'));
    const chunkSize = reqUint(nodes, 'chunk_size', ctx, segError(ctx, 'Could not read chunk_size'));
    const discards = optString(nodes, 'discards', ctx, segError(ctx, 'Could not read discards for')) ?? 'ignore';
    if (!DISCARDS.has(discards)) ctx.fail(segError(ctx, 'Discards option unsupported for'));
    // lvm2 names the segment's device_id, still 0 at this point, in place of the chunk size.
    if (chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK) ctx.fail(segError(ctx, 'Unsupported value 0 for chunk_size'));
    const zero = optUint(nodes, 'zero_new_blocks', ctx, segError(ctx, 'Could not read zero_new_blocks for')) ?? 0;
    const seg: ThinPoolSegment = {
      ...base, kind: 'thin-pool', metadata, pool, transactionId, chunkSize, discards, zeroNewBlocks: zero !== 0, extra: leftovers(nodes, KNOWN),
    };
    if (has(nodes, 'crop_metadata')) seg.cropMetadata = optUint(nodes, 'crop_metadata', ctx, segError(ctx, 'Could not read crop_metadata for'))! ? 1 : 0;
    for (const m of seg.extra) if (m.children) checkMessage(m.children, ctx);
    return seg;
  },
  textExport(seg, out) {
    out.line(`metadata = "${seg.metadata}"`);
    out.line(`pool = "${seg.pool}"`);
    out.line(`transaction_id = ${seg.transactionId}`);
    out.size(seg.chunkSize, `chunk_size = ${seg.chunkSize}`);
    out.line(`discards = "${seg.discards}"`);
    if (seg.zeroNewBlocks) out.line('zero_new_blocks = 1');
    if (seg.cropMetadata !== undefined) out.line(`crop_metadata = ${seg.cropMetadata}`);
    writeExtra(out, seg.extra);
  },
  references: (seg) => [seg.metadata, seg.pool, ...messageLvs(seg)],
  rename(seg, from, to) {
    if (seg.metadata === from) seg.metadata = to;
    if (seg.pool === from) seg.pool = to;
    for (const m of seg.extra)
      for (const c of m.children ?? []) if (c.key === 'create' && c.value?.kind === 'string' && c.value.value === from) c.value = { kind: 'string', value: to };
  },
};

/** A pending message names a thin LV to create or a device id to delete (lvm2's _thin_pool_add_message). */
function checkMessage(nodes: RawNode[], ctx: TextImportCtx): void {
  const create = value(nodes, 'create');
  if (create?.kind === 'string') {
    if (!ctx.lvExists(create.value)) ctx.fail(segError(ctx, `Unknown LV ${create.value} for create message in`));
    return;
  }
  const del = value(nodes, 'delete');
  if (del?.kind !== 'int' || del.value < 0) ctx.fail(segError(ctx, 'Unknown message in'));
}

/** Thin LVs named by pending `create` messages. */
function messageLvs(seg: ThinPoolSegment): string[] {
  const out: string[] = [];
  for (const m of seg.extra) for (const c of m.children ?? []) if (c.key === 'create' && c.value?.kind === 'string') out.push(c.value.value);
  return out;
}

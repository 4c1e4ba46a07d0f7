// lvm2's choice of a new thin pool's chunk size and metadata size (thin_manip.c
// update_thin_pool_params, pool_manip.c update_pool_metadata_min_max), with its messages.
// Sizes are in sectors.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { displaySize } from '../report/units.ts';

/** DM_THIN_MIN_DATA_BLOCK_SIZE / DM_THIN_MAX_DATA_BLOCK_SIZE. */
export const MIN_CHUNK = 128;
export const MAX_CHUNK = 2097152;
/** DEFAULT_THIN_POOL_CHUNK_SIZE (64 KiB) and its "performance" policy (512 KiB). */
const GENERIC_CHUNK = 128;
const PERFORMANCE_CHUNK = 1024;
/** 2 × DEFAULT_THIN_POOL_OPTIMAL_METADATA_SIZE (128 MiB). */
const OPTIMAL_METADATA = 262144;
/** 2 × DEFAULT_THIN_POOL_MIN_METADATA_SIZE (2 MiB). */
export const MIN_METADATA = 4096;
/** 2 × DEFAULT_THIN_POOL_MAX_METADATA_SIZE_V1_KB: the kernel's usable maximum, 15.88 GiB. */
const MAX_METADATA = 2 * 255 * ((1 << 14) - 64) * 4;
/** 2 × DEFAULT_THIN_POOL_MAX_METADATA_SIZE (DM_THIN_MAX_METADATA_SIZE / 2 KiB), the cropped limit. */
const CROP_METADATA = 2 * ((255 * (1 << 14) * 8 - 256 * 8) / 2 / 2);

export interface PoolParamsRequest {
  dataExtents: number;
  extentSize: number;
  /** -c, sectors. */
  chunkSize?: number;
  /** --poolmetadatasize in extents, or the extents of the LV given by --poolmetadata. */
  metadataExtents?: number;
  /** lvconvert --poolmetadata: the LV the metadata goes on (its size cannot change). */
  metadataLv?: string;
  zero?: boolean;
  discards?: string;
}

export interface PoolParams {
  chunkSize: number;
  metadataExtents: number;
  zero: boolean;
  discards: string;
  /** Set only when the metadata is bigger than the cropped limit (lvm2 then records it). */
  cropMetadata?: 0 | 1;
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** lvm2's _estimate_size: data sectors / (size × 8). */
function estimate(dataSectors: number, size: number): number {
  return Math.floor(dataSectors / (size * 8));
}

/** _estimate_chunk_size: the chunk that metadata of `metadata` sectors could address for the data. */
function estimateChunk(dataSectors: number, metadata: number): number {
  let c = estimate(dataSectors, metadata);
  const BIG = 2 * 1024 - 1;
  if (c > BIG) c = (c + BIG) & ~BIG;
  // A power of two above; lvm2 2.03.16's `1 << 32` for an estimate of 0 or 1 comes out as 1.
  else c = c <= 1 ? 1 : 2 ** Math.ceil(Math.log2(c));
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, c));
}

export function discardsSetting(ctx: Ctx, given: string | undefined): string {
  const s = given ?? ctx.config.str('allocation/thin_pool_discards', 'passdown');
  const d = s.toLowerCase();
  if (!['passdown', 'nopassdown', 'ignore'].includes(d)) fail(`Thin pool discards type "${s}" is unknown.`, 5, 'INVALID_ARGUMENT');
  return d;
}

/** Works out the pool's parameters, printing what lvm2 prints; fails as lvm2 refuses. */
export function thinPoolParams(ctx: Ctx, r: PoolParamsRequest): PoolParams {
  let chunk = r.chunkSize ?? (ctx.config.value('allocation/thin_pool_chunk_size') !== undefined ? ctx.config.int('allocation/thin_pool_chunk_size', 64) * 2 : 0);
  const discards = discardsSetting(ctx, r.discards);
  const zero = r.zero ?? ctx.config.int('allocation/thin_pool_zero', 1) !== 0;
  const crop = ctx.config.int('allocation/thin_pool_crop_metadata', 0) !== 0;
  const maxMetadata = crop ? CROP_METADATA : MAX_METADATA;
  const dataSectors = r.dataExtents * r.extentSize;
  let metadata: number;
  if (!r.metadataExtents) {
    if (!chunk) {
      const policy = ctx.config.str('allocation/thin_pool_chunk_size_policy', 'generic');
      if (policy === 'generic') chunk = GENERIC_CHUNK;
      else if (policy === 'performance') chunk = PERFORMANCE_CHUNK;
      else fail(`Thin pool chunk size calculation policy "${policy}" is unrecognised.`);
      metadata = estimate(dataSectors, chunk);
      while (metadata > OPTIMAL_METADATA && chunk < MAX_CHUNK) {
        chunk *= 2;
        metadata = Math.floor(metadata / 2);
      }
      ctx.verbose(1, `Setting chunk size to ${displaySize(chunk)}.`);
    } else {
      metadata = estimate(dataSectors, chunk);
      if (metadata > maxMetadata) ctx.warn(`WARNING: Chunk size is too small for pool, suggested minimum is ${displaySize(estimateChunk(dataSectors, maxMetadata))}.`);
    }
    metadata = roundUp(metadata, r.extentSize);
  } else {
    metadata = r.metadataExtents * r.extentSize;
    const suggested = estimateChunk(dataSectors, metadata);
    if (!chunk) {
      chunk = suggested;
      ctx.verbose(1, `Setting chunk size ${displaySize(chunk)}.`);
    } else if (chunk < suggested) ctx.warn(`WARNING: Chunk size is smaller then suggested minimum size ${displaySize(suggested)}.`);
  }
  const maxData = (maxMetadata * chunk * 512) / 64;
  // update_pool_metadata_min_max
  const maxM = roundUp(maxMetadata, r.extentSize);
  const minM = roundUp(MIN_METADATA, r.extentSize);
  if (metadata > maxM) {
    if (r.metadataLv) ctx.print(`Size ${displaySize(metadata)} of pool metadata volume ${r.metadataLv} is bigger then maximum usable size ${displaySize(maxM)}.`);
    else {
      if (r.metadataExtents) ctx.print(`Reducing pool metadata size ${displaySize(metadata)} to maximum usable size ${displaySize(maxM)}.`);
      metadata = maxM;
    }
  } else if (metadata < minM) {
    if (r.metadataLv) fail(`Can't use volume ${r.metadataLv} with size ${displaySize(metadata)} as pool metadata. Minimal required size is ${displaySize(minM)}.`);
    if (r.metadataExtents) ctx.print(`Extending pool metadata size ${displaySize(metadata)} to required minimal size ${displaySize(minM)}.`);
    metadata = minM;
  }
  const metadataExtents = Math.ceil(metadata / r.extentSize);
  if (Math.floor(maxData / r.extentSize) < r.dataExtents)
    fail(`Selected chunk size ${displaySize(chunk)} cannot address more then ${displaySize(maxData)} of thin pool data space.`);
  ctx.print(`Thin pool volume with chunk size ${displaySize(chunk)} can address at most ${displaySize(maxData)} of data.`);
  if (chunk < MIN_CHUNK || chunk > MAX_CHUNK) fail(`Thin pool chunk size ${displaySize(chunk)} is not in the range ${displaySize(MIN_CHUNK)} to ${displaySize(MAX_CHUNK)}.`);
  if (chunk % MIN_CHUNK) fail(`Thin pool chunk size ${displaySize(chunk)} must be a multiple of ${displaySize(MIN_CHUNK)}.`);
  if (chunk > dataSectors) fail(`Size of thin-pool data volume cannot be smaller than chunk size ${displaySize(chunk)}.`);
  if (zero && chunk >= PERFORMANCE_CHUNK) {
    ctx.warn(`WARNING: Pool zeroing and ${displaySize(chunk)} large chunk size slows down thin provisioning.`);
    ctx.warn(`WARNING: Consider disabling zeroing (-Zn) or using smaller chunk size (<${displaySize(PERFORMANCE_CHUNK)}).`);
  }
  const out: PoolParams = { chunkSize: chunk, metadataExtents, zero, discards };
  if (metadata > CROP_METADATA) out.cropMetadata = crop ? 1 : 0;
  return out;
}

// A classic snapshot (lvm2 lib/snapshot): the internal snapshotN LV's segment ties an origin to the
// COW store holding the exceptions. Its dm target is `snapshot` over the origin's -real device and
// the COW, or `snapshot-merge` over the origin while a merge rolls it back.
import type { SnapshotSegment } from '../model/types.ts';
import { snapshotCow } from '../model/types.ts';
import type { SegtypeHandler } from './handler.ts';
import { has, optString, reqString, reqUint, segError } from './text.ts';

export const snapshot: SegtypeHandler<SnapshotSegment, SnapshotStatus> = {
  name: 'snapshot',
  kind: 'snapshot',
  textImport(nodes, base, ctx) {
    const chunkSize = reqUint(nodes, 'chunk_size', ctx, "Couldn't read chunk size for snapshot.");
    const mergingStore = optString(nodes, 'merging_store', ctx, segError(ctx, 'Merging store must be a string in'));
    if (mergingStore !== undefined && has(nodes, 'cow_store')) ctx.fail(segError(ctx, 'Both snapshot cow and merging storage were specified in'));
    const cowStore = optString(nodes, 'cow_store', ctx, segError(ctx, 'Cow store must be a string in'));
    if (cowStore === undefined && mergingStore === undefined) ctx.fail(segError(ctx, 'Snapshot cow storage not specified in'));
    if (!has(nodes, 'origin')) ctx.fail(segError(ctx, 'Snapshot origin not specified in'));
    const origin = reqString(nodes, 'origin', ctx, segError(ctx, 'Snapshot origin must be a string in'));
    const cow = (mergingStore ?? cowStore)!;
    if (!ctx.lvExists(cow)) ctx.fail(segError(ctx, `Unknown logical volume ${cow} specified for snapshot cow store in`));
    if (!ctx.lvExists(origin)) ctx.fail(segError(ctx, `Unknown logical volume ${origin} specified for snapshot origin in`));
    const seg: SnapshotSegment = { ...base, kind: 'snapshot', origin, chunkSize };
    if (mergingStore !== undefined) seg.mergingStore = mergingStore;
    else seg.cowStore = cowStore;
    return seg;
  },
  textExport(seg, out) {
    out.line(`chunk_size = ${seg.chunkSize}`);
    out.line(`origin = "${seg.origin}"`);
    if (seg.mergingStore !== undefined) out.line(`merging_store = "${seg.mergingStore}"`);
    else out.line(`cow_store = "${seg.cowStore ?? ''}"`);
  },
  references: (seg) => [seg.origin, snapshotCow(seg)],
  rename(seg, from, to) {
    if (seg.origin === from) seg.origin = to;
    if (seg.cowStore === from) seg.cowStore = to;
    if (seg.mergingStore === from) seg.mergingStore = to;
  },
  targetName: (seg) => (seg.mergingStore !== undefined ? 'snapshot-merge' : 'snapshot'),
  /** The origin's -real device and the COW. */
  deviceStack: (seg) => [seg.origin, snapshotCow(seg)],
  targetLine: (seg, sectors, [real, cow]) =>
    seg.mergingStore !== undefined ? mergeTargetLine(sectors, real!, cow!, seg.chunkSize) : snapshotTargetLine(sectors, real!, cow!, seg.chunkSize),
  percent: (status) => snapshotPercent(status),
  needsExtend: (status, threshold) => snapshotNeedsExtend(status, threshold),
};

/** `snapshot` table line: over the origin's -real device and the COW, persistent (P). */
export function snapshotTargetLine(sectors: number, realDev: string, cowDev: string, chunk: number): string {
  return `0 ${sectors} snapshot ${realDev} ${cowDev} P ${chunk}`;
}

/** `snapshot-origin` table line of an origin with snapshots, over its -real device. */
export function originTargetLine(sectors: number, realDev: string): string {
  return `0 ${sectors} snapshot-origin ${realDev}`;
}

/** `snapshot-merge` table line loaded over an origin while its snapshot merges back. */
export function mergeTargetLine(sectors: number, realDev: string, cowDev: string, chunk: number): string {
  return `0 ${sectors} snapshot-merge ${realDev} ${cowDev} P ${chunk}`;
}

/** What the kernel's snapshot status reports, in sectors. */
export interface SnapshotStatus {
  invalid: boolean;
  allocated: number;
  total: number;
  metadata: number;
}

/** lvm2's snapshot target_percent (Data%): invalid → 100, nothing but metadata → 0, else the ratio. */
export function snapshotPercent(s: SnapshotStatus): number {
  if (s.invalid) return 100;
  if (s.allocated === s.metadata) return 0;
  return (100 * s.allocated) / s.total;
}

/** dmeventd's snapshot watch: a valid snapshot whose Data% reached the threshold wants extending. */
export function snapshotNeedsExtend(s: SnapshotStatus, thresholdPercent: number): boolean {
  return !s.invalid && snapshotPercent(s) >= thresholdPercent;
}

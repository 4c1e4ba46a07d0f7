// What changed between two thin devices, in thin_delta's terms: runs of virtual blocks that map to
// the same data block in both, to different ones, or only on one side. The two mapping trees are
// walked together and the subtrees they share (a snapshot and its origin share every node neither
// has written since) are skipped unread unless 'same' runs are asked for.
import { diffBtrees, walkRange } from './btree-diff.ts';
import { type MappingView, deviceRootIn, viewOf } from './mapping-view.ts';
import { ThinMetadata } from './thin-metadata.ts';
import { ThinMetadataError } from './thin-metadata-errors.ts';

export type DeltaKind = 'same' | 'different' | 'left_only' | 'right_only';

export interface DeltaRun {
  kind: DeltaKind;
  begin: number;
  length: number;
}

/** A run as thin_delta --verbose prints it: also where its data starts in the pool. */
export interface VerboseDeltaRun extends DeltaRun {
  /** First data block on the left (left_only, same, different). */
  leftData?: number;
  /** First data block on the right (right_only, different, same). */
  rightData?: number;
}

export interface DeltaOptions {
  /** Report 'same' runs (default true, as thin_delta does); without them shared subtrees are never read. */
  same?: boolean;
}

export interface ChangedBlocksOptions {
  /** First virtual block to look at (default 0). */
  fromBlock?: number;
  /** End of the range to look at, exclusive (default: the right device's end). */
  toBlock?: number;
  /**
   * The left device's size in data blocks. Reducing a thin LV leaves its mappings past the new
   * end in the metadata (neither lvm2 nor the kernel discards them), so left mappings at or past
   * this count as unmapped. Default: no limit.
   */
  leftBlocks?: number;
  /** The right device's size in data blocks: nothing at or past it is reported. Default: no limit. */
  rightBlocks?: number;
}

/** A device of `sectors` 512-byte sectors spans this many data blocks; a partial last block counts. */
export function deviceBlocks(sectors: number, dataBlockSize: number): number {
  return Math.ceil(sectors / dataBlockSize);
}

/** The data block of a packed block_time (bits 63..24), from its two 32-bit halves. */
const dataBlock = (lo: number, hi: number): number => hi * 256 + (lo >>> 24);

function kindOf(l: number | undefined, r: number | undefined): DeltaKind {
  return l === undefined ? 'right_only' : r === undefined ? 'left_only' : l === r ? 'same' : 'different';
}

/** thin_delta's plain output: runs of one kind merge whenever they touch. */
class RunBuilder {
  readonly runs: DeltaRun[] = [];

  add(kind: DeltaKind, v: number): void {
    const last = this.runs.at(-1);
    if (last && last.kind === kind && last.begin + last.length === v) last.length++;
    else this.runs.push({ kind, begin: v, length: 1 });
  }
}

/**
 * thin_delta --verbose: each side's mappings are first cut into runs contiguous in both virtual
 * and data blocks, and an output run never crosses either side's run boundary.
 */
class VerboseRunBuilder {
  readonly runs: VerboseDeltaRun[] = [];

  add(kind: DeltaKind, v: number, l: number | undefined, r: number | undefined): void {
    const last = this.runs.at(-1);
    if (last && last.kind === kind && last.begin + last.length === v && (l === undefined || last.leftData! + last.length === l) && (r === undefined || last.rightData! + last.length === r)) {
      last.length++;
      return;
    }
    const run: VerboseDeltaRun = { kind, begin: v, length: 1 };
    if (l !== undefined) run.leftData = l;
    if (r !== undefined) run.rightData = r;
    this.runs.push(run);
  }
}

function asView(md: ThinMetadata | MappingView): MappingView {
  return md instanceof ThinMetadata ? viewOf(md) : md;
}

function root(view: MappingView, id: number): number {
  const r = deviceRootIn(view, id);
  if (r === undefined) throw new ThinMetadataError('ENODATA', `thin device ${id} does not exist`);
  return r;
}

/** Every mapped block of either device, as one of the four kinds, in ascending virtual block order. */
function eachBlock(view: MappingView, left: number, right: number, same: boolean, visit: (v: number, l: number | undefined, r: number | undefined) => void): void {
  diffBtrees(view, root(view, left), root(view, right), dataBlock, {
    entry: visit,
    shared: (block, lo, hi) => {
      if (same) walkRange(view, block, lo, hi, dataBlock, (k, d) => visit(k, d, d));
    },
  });
}

export function thinDelta(md: ThinMetadata | MappingView, left: number, right: number, opts: DeltaOptions = {}): DeltaRun[] {
  const out = new RunBuilder();
  const same = opts.same ?? true;
  eachBlock(asView(md), left, right, same, (v, l, r) => {
    const kind = kindOf(l, r);
    if (same || kind !== 'same') out.add(kind, v);
  });
  return out.runs;
}

export function thinDeltaVerbose(md: ThinMetadata | MappingView, left: number, right: number, opts: DeltaOptions = {}): VerboseDeltaRun[] {
  const out = new VerboseRunBuilder();
  const same = opts.same ?? true;
  eachBlock(asView(md), left, right, same, (v, l, r) => {
    const kind = kindOf(l, r);
    if (same || kind !== 'same') out.add(kind, v, l, r);
  });
  return out.runs;
}

/**
 * What a backup of `right` taken on top of one of `left` must copy: 'different' and 'right_only'
 * runs (new data) and 'left_only' runs (unmapped since, so they now read as zeros), within the
 * devices' sizes. Shared subtrees are never read, so the cost follows the number of changes.
 */
export function changedBlocks(md: ThinMetadata | MappingView, left: number, right: number, opts: ChangedBlocksOptions = {}): DeltaRun[] {
  const view = asView(md);
  const leftEnd = opts.leftBlocks ?? Infinity;
  const from = opts.fromBlock ?? 0;
  const to = Math.min(opts.toBlock ?? Infinity, opts.rightBlocks ?? Infinity);
  const out = new RunBuilder();
  const [l, r] = [root(view, left), root(view, right)];
  if (from >= to) return out.runs;
  const visit = (v: number, a: number | undefined, b: number | undefined) => {
    if (v >= leftEnd) a = undefined;
    if (a === undefined && b === undefined) return;
    const kind = kindOf(a, b);
    if (kind !== 'same') out.add(kind, v);
  };
  diffBtrees(
    view,
    l,
    r,
    dataBlock,
    {
      entry: visit,
      // Shared blocks past the left device's end are visible only on the right: new there.
      shared: (block, lo, hi) => {
        if (hi > leftEnd) walkRange(view, block, Math.max(lo, leftEnd), hi, dataBlock, (k, d) => visit(k, undefined, d));
      },
    },
    { from, to },
  );
  return out.runs;
}

// lvcreate -s: a classic (COW) snapshot. The COW store is an ordinary allocated LV, hidden by its
// flags but shown through its origin; an internal snapshotN LV carries the snapshot segment that
// ties origin, COW and chunk size together (lvm2's vg_add_snapshot). The first 4 KiB of the COW
// are zeroed before the commit, so the kernel or ulvm treats the store as new on activation.
import { maxLvProblem } from '../model/limits.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, rescanVg } from './select.ts';
import { lvcreateExtents, percentOf, sizeArg, type NewLvSize } from './lv-size.ts';
import { checkNewLvName, pvIdsOf } from './create-lv.ts';
import { allocate, freeExtents } from '../model/alloc.ts';
import { nextLvolName } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import { lvExtents, type LogicalVolume, type VolumeGroup } from '../model/types.ts';
import { nodename } from '../metadata/stamp.ts';
import { displaySize } from '../report/units.ts';
import { zeroLvStart } from './wipe.ts';
import { activateLvs, canActivate } from './activate.ts';
import { cowMaxExtents, nextSnapshotName, snapshotOfCow } from '../model/snapshots.ts';
import { blockSignals } from './block-signals.ts';
import { isPool, isThin } from '../model/thin.ts';
import { isVisible } from '../model/types.ts';

export const DEFAULT_CHUNK = 8;
/** lvm2's SNAPSHOT_MIN_CHUNKS. */
const SNAPSHOT_MIN_CHUNKS = 3;

/** lvcreate's --chunksize, checked as lvm2 checks it (sectors; undefined when not given). */
export function snapshotChunkArg(ctx: Ctx): number | undefined {
  const c = ctx.opt('chunksize');
  if (c === undefined) return undefined;
  const s = sizeArg(c, 'k', 'chunksize');
  if (s.sign === '-') fail(['Negative chunk size is invalid.', `Invalid argument for --chunksize: ${c}`, 'Error during parsing of command line.'], 3);
  const n = s.sectors;
  if (n < 8 || n > 1024 || n & (n - 1)) fail(['Chunk size must be a power of 2 in the range 4K to 512K.', `Run \`lvcreate --help' for more information.`], 3);
  return n;
}

export interface CreateSnapshotOptions extends NewLvSize {
  vg: string;
  origin: string;
  /** Default: lvm2's next free lvolN. */
  name?: string;
  /** Sectors (power of 2, 4 KiB to 512 KiB); lvm2's 4 KiB by default. */
  chunkSize?: number;
  /** Device names of the PVs the COW store may use. */
  pvs?: string[];
  tags?: string[];
  /** Bring the snapshot up when its origin is active (default true). */
  activate?: boolean;
}

/** lvm2's validate_snapshot_origin, for the kinds ulvm has: the origin of a classic snapshot, or why not. */
export function classicOrigin(vg: VolumeGroup, originName: string): LogicalVolume {
  const vgName = vg.name;
  const origin = vg.lvs.find((l) => l.name === originName);
  if (!origin) fail(`Snapshot origin LV ${originName} not found in Volume group ${vgName}.`, 5, 'LV_NOT_FOUND', { vg: vgName, lv: originName });
  if (snapshotOfCow(vg, originName)) fail(`Snapshots of snapshots are not supported.`, 5);
  if (!isVisible(origin)) fail('Snapshots of hidden volumes are not supported.', 5, 'INVALID_ARGUMENT', { vg: vgName, lv: originName });
  if (isPool(origin)) fail('Snapshots of thin pool type volumes are not supported.', 5, 'INVALID_ARGUMENT', { vg: vgName, lv: originName });
  // lvm2 takes a classic snapshot of a thin LV when given a size; ulvm's thin origins have no
  // snapshot-origin stack yet, so it says so rather than make a snapshot it could not map.
  if (isThin(origin))
    fail(`ulvm does not take classic (COW) snapshots of thin volumes yet; a thin snapshot (lvcreate -s ${vgName}/${originName}, without a size) shares the pool instead.`, 5, 'INVALID_ARGUMENT', { vg: vgName, lv: originName });
  return origin;
}

/** A COW larger than every origin chunk plus its exception areas would never fill: it is cut down (with lvm2's message). */
export function capCowExtents(ctx: Ctx, vg: VolumeGroup, extents: number, maxExtents: number): number {
  if (extents <= maxExtents) return extents;
  ctx.print(`Reducing COW size ${displaySize(extents * vg.extentSize)} down to maximum usable size ${displaySize(maxExtents * vg.extentSize)}.`);
  return maxExtents;
}

/**
 * lvm2's cow_has_min_chunks: an exception store holds its header and at least one chunk of
 * exceptions and data; below three chunks the kernel could not use it.
 */
export function checkCowMinChunks(vg: VolumeGroup, extents: number, chunk: number): void {
  if (vg.extentSize * extents < SNAPSHOT_MIN_CHUNKS * chunk)
    fail(`Snapshot volume cannot be smaller than ${SNAPSHOT_MIN_CHUNKS} chunks (${Math.ceil((SNAPSHOT_MIN_CHUNKS * chunk) / vg.extentSize)} extents, ${displaySize(SNAPSHOT_MIN_CHUNKS * chunk)}).`, 5, 'INVALID_ARGUMENT', { vg: vg.name });
}

/**
 * The COW store (hidden, allocated in `vg` now) and the internal snapshotN LV tying it to its
 * origin, neither added to `vg` yet: the caller commits the COW as a plain LV first.
 */
export function newClassicSnapshot(ctx: Ctx, vg: VolumeGroup, origin: LogicalVolume, o: { name: string; extents: number; chunk: number; pvs?: Set<string>; tags?: string[] }): { cow: LogicalVolume; holder: LogicalVolume } {
  const res = allocate(vg, { extents: o.extents, stripes: 1, ...(o.pvs ? { pvs: o.pvs } : {}), approximate: false });
  if (!res || res.allocated === 0) fail(`Insufficient suitable allocatable extents for logical volume ${o.name}: ${o.extents} more required`);
  const now = ctx.now();
  const host = nodename();
  const cow: LogicalVolume = { name: o.name, id: generateId(), status: ['READ', 'WRITE'], flags: [], tags: [...(o.tags ?? [])], creationTime: now, creationHost: host, segments: res.segments };
  const holder: LogicalVolume = {
    name: nextSnapshotName(vg),
    id: generateId(),
    status: ['READ', 'WRITE', 'VISIBLE'],
    flags: [],
    tags: [],
    creationTime: now,
    creationHost: host,
    segments: [
      {
        startExtent: 0,
        // The snapshot device is as large as its origin (the kernel table's length).
        extentCount: lvExtents(origin),
        kind: 'snapshot',
        type: 'snapshot',
        tags: [],
        chunkSize: o.chunk,
        origin: origin.name,
        cowStore: o.name,
      },
    ],
  };
  return { cow, holder };
}

/** Takes a classic snapshot of an LV; returns its name and id. */
export async function createSnapshot(ctx: Ctx, o: CreateSnapshotOptions): Promise<{ vg: string; name: string; id: string }> {
  const vgName = o.vg;
  const originName = o.origin;
  const wanted = o.name;
  const chunk = o.chunkSize ?? DEFAULT_CHUNK;
  if (chunk < 8 || chunk > 1024 || chunk & (chunk - 1)) fail(['Chunk size must be a power of 2 in the range 4K to 512K.', `Run \`lvcreate --help' for more information.`], 3, 'INVALID_ARGUMENT');
  if (wanted !== undefined) checkNewLvName(wanted);
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg: VolumeGroup = cloneVg(found.vg);
  const origin = classicOrigin(vg, originName);
  const name = wanted ?? nextLvolName(vg.lvs.map((l) => l.name));
  if (vg.lvs.some((l) => l.name === name)) fail(`Logical Volume "${name}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: name });
  const full = maxLvProblem(vg);
  if (full) fail(full);
  const pvs = pvIdsOf(ctx, found, o.pvs);
  const total = vg.pvs.reduce((n, p) => n + p.peCount, 0);
  // A COW larger than every origin chunk plus its exception areas would never fill.
  const maxExtents = cowMaxExtents(vg, origin, chunk);
  const originExtents = lvExtents(origin);
  let { extents } = lvcreateExtents(
    ctx,
    o,
    vg.extentSize,
    (w) => (w === 'VG' ? total : w === 'FREE' ? freeExtents(vg) : w === 'PVS' ? freeExtents(vg, pvs) : fail('Please express size as %FREE, %ORIGIN, %PVS or %VG.', 3)),
    // %ORIGIN adds the whole metadata estimate to the share of the origin (lvm2's _update_extents_params).
    (w, pct) => (w === 'ORIGIN' ? maxExtents - originExtents + percentOf(pct, originExtents, true) : undefined),
  );
  if (extents === 0) fail('Unable to create new logical volume with no extents.', 5);
  extents = capCowExtents(ctx, vg, extents, maxExtents);
  if (ctx.activationDisabled) fail("Can't create snapshot without using device-mapper kernel driver.", 5);
  checkCowMinChunks(vg, extents, chunk);
  const free = freeExtents(vg, pvs);
  if (extents > free) fail(`Volume group "${vgName}" has insufficient free space (${free} extents): ${extents} required.`, 5, 'ENOSPC_VG', { vg: vgName, requiredExtents: extents, freeExtents: free });
  const { cow, holder } = newClassicSnapshot(ctx, vg, origin, { name, extents, chunk, ...(pvs ? { pvs } : {}), ...(o.tags ? { tags: o.tags } : {}) });
  // As lvm2 does, the COW is first committed as an ordinary visible LV and zeroed (a zeroed
  // header is a new snapshot to the exception store); a second commit makes it the snapshot.
  const plain = cloneVg(vg);
  plain.lvs.push({ ...cow, status: [...cow.status, 'VISIBLE'] });
  const paths = ctx.pvPaths(found);
  ctx.commit(plain, paths, found.vg);
  zeroLvStart(ctx, found, plain, cow);
  vg.lvs.push(cow, holder);
  // The snapshot comes up with its origin: at once when the origin is active. The origin is then
  // suspended from before this commit until the new tables are loaded, so the snapshot's point
  // in time is the commit and no origin write slips in between. As the kernel's suspend freezes
  // a filesystem on the origin first (lockfs), the daemon freezes what is mounted from the
  // origin's device-tree file before holding it, and thaws it after resuming; so the snapshot
  // has every write acknowledged before the command, and a clean journal.
  const originActive = canActivate(ctx) && (await ctx.loadActivation()).some((a) => a.vgId === vg.id && a.lvId === origin.id);
  const activate = originActive && o.activate !== false;
  const unblock = blockSignals();
  try {
    const warn = (msg: string) => ctx.warn(msg);
    const release = !activate ? async () => undefined : await ctx.activator.hold(vgName, [origin.name], warn);
    try {
      ctx.commit(vg, paths, plain);
      if (activate) await activateLvs(ctx, rescanVg(ctx, found), [name]);
    } finally {
      await release();
    }
    ctx.print(`Logical volume "${name}" created.`);
  } finally {
    unblock();
  }
  return { vg: vgName, name, id: cow.id };
}

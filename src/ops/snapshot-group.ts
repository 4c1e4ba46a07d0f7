// A consistency group: snapshots of several LVs of one VG (classic and thin) at one instant. The
// COW stores are made and zeroed first (one commit of plain LVs, as lvcreate -s does for one);
// then every active origin is held at once, one commit turns the COWs into snapshots and queues
// every thin create_snap, the snapshots' tables load and the pools take their messages, and the
// origins are released together. A write acknowledged before the hold is in every snapshot, one
// issued after it in none, so the set is as consistent as a power cut would leave the disks.
// Everything that can be refused is checked before the first commit: a refusal changes nothing.
import { performance } from 'node:perf_hooks';
import { maxLvProblem } from '../model/limits.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, rescanVg } from './select.ts';
import { checkNewLvName } from './create-lv.ts';
import { freeExtents } from '../model/alloc.ts';
import { lvExtents, type LogicalVolume, type VolumeGroup } from '../model/types.ts';
import { zeroLvStart } from './wipe.ts';
import { activateLvs, canActivate } from './activate.ts';
import { cowMaxExtents, nextSnapshotName } from '../model/snapshots.ts';
import { blockSignals } from './block-signals.ts';
import { poolSegOf, queuedMessages, thinSegOf } from '../model/thin.ts';
import { capCowExtents, checkCowMinChunks, classicOrigin, DEFAULT_CHUNK, newClassicSnapshot } from './create-snapshot.ts';
import { addThinLv } from './create-thin.ts';
import { clearPoolMessages, deliverPoolMessages, sendPoolMessages } from './thin-common.ts';
import { checkPoolBelowThreshold } from './thin-pool-checks.ts';
import { removeLvs } from './lv-remove.ts';
import type { FoundVg } from '../metadata/scan.ts';

export type GroupMemberKind = 'thin' | 'cow';

export interface GroupMember {
  origin: string;
  /** The snapshot's name (must be free in the VG). */
  name: string;
  kind: GroupMemberKind;
  /** The COW store's size, for a classic snapshot: extents, or sectors (rounded up to extents). */
  size?: { extents: number } | { sectors: number };
  /** Classic: the exception store's chunk size in sectors (power of 2, 8 … 1024; lvm2's 8 by default). */
  chunkSize?: number;
}

export interface SnapshotGroupOptions {
  vg: string;
  members: GroupMember[];
  tags?: string[];
  /** Bring the snapshots up (default true): classic ones with their active origins, thin ones whatever their origin. */
  activate?: boolean;
  /**
   * Runs while the origins are held, just before the commit that makes the snapshots: what must
   * happen at exactly the snapshots' instant (a backup rotates the origins' change maps here).
   * A failure aborts the group with nothing made.
   */
  atInstant?: () => Promise<void>;
}

export interface SnapshotGroupResult {
  snapshots: { origin: string; name: string; id: string; kind: GroupMemberKind }[];
  /** Milliseconds from asking for the hold of the origins to their release returning (0: no origin was active). */
  holdMs: number;
  /** Mount points the daemon froze for the instant (filesystems on the origins). */
  frozen: string[];
  warnings: string[];
}

interface CowPlan {
  member: GroupMember;
  origin: LogicalVolume;
  extents: number;
  chunk: number;
}

/** Snapshots every member at one instant; see the top of the file. */
export async function createSnapshotGroup(ctx: Ctx, o: SnapshotGroupOptions): Promise<SnapshotGroupResult> {
  const vgName = o.vg;
  if (!o.members.length) fail('A snapshot group needs at least one member.', 3, 'INVALID_ARGUMENT', { vg: vgName });
  const seen = new Set<string>();
  for (const m of o.members) {
    checkNewLvName(m.name);
    if (seen.has(`o:${m.origin}`)) fail(`Logical volume ${vgName}/${m.origin} is in the snapshot group twice.`, 3, 'INVALID_ARGUMENT', { vg: vgName, lv: m.origin });
    if (seen.has(`n:${m.name}`)) fail(`Snapshot name ${m.name} is used twice in the snapshot group.`, 3, 'INVALID_ARGUMENT', { vg: vgName, lv: m.name });
    seen.add(`o:${m.origin}`);
    seen.add(`n:${m.name}`);
  }
  await ctx.locks.vg(vgName);
  let found = findVgOrFail(ctx, vgName);
  if (ctx.activationDisabled) fail("Can't create snapshot without using device-mapper kernel driver.", 5);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    ctx.warn(m);
  };
  await ctx.loadActivation();

  // Messages a crash left queued in a member's pool go first, so that the group is one batch.
  const poolNames = [...new Set(o.members.filter((m) => m.kind === 'thin').map((m) => thinSegOf(found.vg.lvs.find((l) => l.name === m.origin))?.thinPool).filter((p): p is string => p !== undefined))];
  for (const p of poolNames) if (queuedMessages(poolSegOf(found.vg.lvs.find((l) => l.name === p))!).length) found = await sendPoolMessages(ctx, found, p);

  const { plain, final, cows, thins } = planGroup(ctx, found, o);
  const paths = ctx.pvPaths(found);
  const active = (lv: LogicalVolume) => canActivate(ctx) && !!ctx.activeLv(found.vg.id, lv.id);
  const held = o.members.map((m) => final.lvs.find((l) => l.name === m.origin)!).filter(active).map((l) => l.name);
  const cowsToActivate = o.activate === false ? [] : cows.filter((c) => active(c.origin)).map((c) => c.member.name);

  // The COW stores as plain LVs, zeroed: a zeroed header is a new store to the exception code.
  let base = found.vg;
  if (cows.length) {
    ctx.commit(plain, paths, found.vg);
    base = plain;
    try {
      for (const c of cows) zeroLvStart(ctx, found, plain, plain.lvs.find((l) => l.name === c.member.name)!);
    } catch (e) {
      dropPlainCows(ctx, found, cows);
      throw e;
    }
  }

  let holdMs = 0;
  const frozen: string[] = [];
  let committed = false;
  let sentPools: string[] = [];
  const unblock = blockSignals();
  try {
    const t0 = performance.now();
    const release = held.length ? await ctx.activator.hold(vgName, held, warn, (mps) => frozen.push(...mps)) : async () => undefined;
    try {
      await o.atInstant?.();
      ctx.commit(final, paths, base);
      committed = true;
      found = rescanVg(ctx, found);
      if (cowsToActivate.length) await activateLvs(ctx, found, cowsToActivate);
      sentPools = await deliverPoolMessages(ctx, found, poolNames);
    } finally {
      await release();
      if (held.length) holdMs = performance.now() - t0;
    }
  } catch (e) {
    if (!committed) dropPlainCows(ctx, found, cows);
    else await removeMade(ctx, vgName, o.members.map((m) => m.name));
    throw e;
  } finally {
    unblock();
  }
  if (sentPools.length) found = await clearPoolMessages(ctx, found, sentPools);
  const thinNames = thins.map((t) => t.name);
  if (o.activate !== false && thinNames.length && canActivate(ctx)) await activateLvs(ctx, found, thinNames);
  await ctx.loadActivation();
  for (const m of o.members) ctx.print(`Logical volume "${m.name}" created.`);
  const ids = new Map([...cows.map((c) => [c.member.name, final.lvs.find((l) => l.name === c.member.name)!.id] as const), ...thins.map((t) => [t.name, t.id] as const)]);
  return { snapshots: o.members.map((m) => ({ origin: m.origin, name: m.name, id: ids.get(m.name)!, kind: m.kind })), holdMs, frozen, warnings };
}

/**
 * The VG with the COW stores as plain visible LVs (`plain`), and with every snapshot made
 * (`final`), both in memory: every refusal happens here, before anything is written.
 */
function planGroup(ctx: Ctx, found: FoundVg, o: SnapshotGroupOptions): { plain: VolumeGroup; final: VolumeGroup; cows: CowPlan[]; thins: LogicalVolume[] } {
  const vg = found.vg;
  const vgName = vg.name;
  const cows: CowPlan[] = [];
  const thinMembers: { member: GroupMember; origin: LogicalVolume }[] = [];
  for (const m of o.members) {
    if (vg.lvs.some((l) => l.name === m.name)) fail(`Logical Volume "${m.name}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: m.name });
    const originLv = vg.lvs.find((l) => l.name === m.origin);
    if (m.kind === 'thin') {
      if (!originLv) fail(`Origin volume ${m.origin} not found in Volume group ${vgName}.`, 5, 'LV_NOT_FOUND', { vg: vgName, lv: m.origin });
      if (!thinSegOf(originLv)) fail(`Logical volume ${vgName}/${m.origin} is not a thin volume. Thin snapshot supports only thin origins.`, 5, 'INVALID_ARGUMENT', { vg: vgName, lv: m.origin });
      const pool = vg.lvs.find((l) => l.name === thinSegOf(originLv)!.thinPool)!;
      if (!checkPoolBelowThreshold(ctx, vg, pool)) fail(`Cannot create new thin volume, free space in thin pool ${vgName}/${pool.name} reached threshold.`, 5, 'FAILED', { vg: vgName, lv: pool.name });
      thinMembers.push({ member: m, origin: originLv });
      continue;
    }
    const origin = classicOrigin(vg, m.origin);
    const chunk = m.chunkSize ?? DEFAULT_CHUNK;
    if (chunk < 8 || chunk > 1024 || chunk & (chunk - 1)) fail('Chunk size must be a power of 2 in the range 4K to 512K.', 3, 'INVALID_ARGUMENT', { vg: vgName, lv: m.name });
    const s = m.size ?? fail(`The classic snapshot ${vgName}/${m.name} needs a COW size.`, 3, 'INVALID_ARGUMENT', { vg: vgName, lv: m.name });
    let extents = 'extents' in s ? s.extents : Math.ceil(s.sectors / vg.extentSize);
    if (!Number.isInteger(extents) || extents <= 0) fail('Unable to create new logical volume with no extents.', 5, 'INVALID_ARGUMENT', { vg: vgName, lv: m.name });
    extents = capCowExtents(ctx, vg, extents, cowMaxExtents(vg, origin, chunk));
    checkCowMinChunks(vg, extents, chunk);
    cows.push({ member: m, origin, extents, chunk });
  }
  const required = cows.reduce((n, c) => n + c.extents, 0);
  const free = freeExtents(vg);
  if (required > free) fail(`Volume group "${vgName}" has insufficient free space (${free} extents): ${required} required.`, 5, 'ENOSPC_VG', { vg: vgName, requiredExtents: required, freeExtents: free });

  const plain = cloneVg(vg);
  const made: { cow: LogicalVolume; holder: LogicalVolume }[] = [];
  for (const c of cows) {
    const full = maxLvProblem(plain);
    if (full) fail(full);
    const pair = newClassicSnapshot(ctx, plain, c.origin, { name: c.member.name, extents: c.extents, chunk: c.chunk, ...(o.tags ? { tags: o.tags } : {}) });
    plain.lvs.push({ ...pair.cow, status: [...pair.cow.status, 'VISIBLE'] });
    made.push(pair);
  }
  const final = cloneVg(plain);
  final.lvs = final.lvs.filter((l) => !made.some((p) => p.cow.name === l.name));
  for (const p of made) {
    // Each holder is named against the ones before it (snapshot0, snapshot1 …).
    p.holder.name = nextSnapshotName(final);
    final.lvs.push(p.cow, p.holder);
  }
  const thins: LogicalVolume[] = [];
  for (const t of thinMembers) {
    const full = maxLvProblem(final);
    if (full) fail(full);
    thins.push(addThinLv(ctx, final, { pool: thinSegOf(t.origin)!.thinPool, name: t.member.name, extents: lvExtents(t.origin), origin: t.origin.name, ...(o.tags ? { tags: o.tags } : {}) }));
  }
  return { plain, final, cows, thins };
}

/** A failure before the group's commit: the plain COW stores go again, and the VG is as it was (one seqno on). */
function dropPlainCows(ctx: Ctx, found: FoundVg, cows: CowPlan[]): void {
  if (!cows.length) return;
  const now = rescanVg(ctx, found);
  const vg = cloneVg(now.vg);
  vg.lvs = vg.lvs.filter((l) => !cows.some((c) => c.member.name === l.name));
  ctx.commit(vg, ctx.pvPaths(now), now.vg);
}

/** A failure after the group's commit (a table that would not load): the snapshots go again, as far as they can. */
async function removeMade(ctx: Ctx, vgName: string, names: string[]): Promise<void> {
  try {
    const f = ctx.scan(true).get(vgName);
    if (f) await removeLvs(ctx, f, names.filter((n) => f.vg.lvs.some((l) => l.name === n)), true);
  } catch (e) {
    ctx.warn(`WARNING: Snapshots of the group ${names.map((n) => `${vgName}/${n}`).join(', ')} may be left: ${(e as Error).message}`);
  }
}

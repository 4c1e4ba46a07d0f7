// Splitting a VG as an operation (vgsplit): PVs (named, or those an LV uses) and the LVs on them
// move into a new or an existing VG. The order of writes is lvm2's, for a crash between them: the
// destination first, marked exported (the PVs it takes still carry the source VG's copy too, so
// a crash here leaves the source as it was and the destination unusable until vgimport); then the
// source without them (a crash here leaves both VGs whole, the destination exported); then the
// destination imported.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { VolumeGroup } from '../model/types.ts';
import { nameProblem } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import { moveLvsWithPvs, pvsUsedByLv, SplitRefusal } from '../model/vg-split.ts';
import { segReferences } from '../segtypes/index.ts';
import { devicesOf, incompatibility, readVg, warnOldMetadata } from './vg-pair.ts';

export interface VgSplitOptions {
  from: string;
  to: string;
  /** PVs to move (device names). */
  pvs?: string[];
  /** Or: the PVs this LV uses (vgsplit -n). */
  lv?: string;
  /** For a new destination (lvm2 refuses them for an existing one); by default the source's. */
  maxLv?: number;
  maxPv?: number;
  alloc?: string;
  metadataCopies?: number;
  /** -c was given: lvm2 refuses it (clustered VGs are gone). */
  clustered?: boolean;
}

export interface VgSplitResult {
  /** The destination existed before. */
  existing: boolean;
  /** The source had no PVs left, and is gone. */
  sourceRemoved: boolean;
}

const newVgOption = (o: VgSplitOptions): boolean => o.clustered === true || o.alloc !== undefined || o.maxPv !== undefined || o.maxLv !== undefined || o.metadataCopies !== undefined;

/** The destination lvm2's vg_create makes, with the source's settings unless the command gives others. */
function newVg(ctx: Ctx, name: string, from: VolumeGroup, o: VgSplitOptions): VolumeGroup {
  const usage = `Run \`${ctx.args.command} --help' for more information.`;
  if (o.clustered) fail(['The clustered option is deprecated, see --shared.', usage], 3, 'INVALID_ARGUMENT');
  if (o.alloc === 'inherit') fail(['Volume Group allocation policy cannot inherit from anything', usage], 3, 'INVALID_ARGUMENT');
  const alloc = o.alloc ?? from.allocationPolicy;
  return {
    name,
    id: generateId(),
    seqno: 0,
    status: ['RESIZEABLE', 'READ', 'WRITE'],
    flags: [],
    tags: [],
    ...(from.systemId ? { systemId: from.systemId } : {}),
    extentSize: from.extentSize,
    maxLv: o.maxLv ?? from.maxLv,
    maxPv: o.maxPv ?? from.maxPv,
    ...(alloc && alloc !== 'normal' ? { allocationPolicy: alloc } : {}),
    metadataCopies: o.metadataCopies ?? ctx.config.int('metadata/vgmetadatacopies', 0),
    pvs: [],
    lvs: [],
  };
}

/** Moves the PV with this id from `from` to `to` (lvm2's move_pv). */
function movePv(from: VolumeGroup, to: VolumeGroup, id: string): void {
  const pv = from.pvs.find((p) => p.id === id)!;
  from.pvs = from.pvs.filter((p) => p !== pv);
  to.pvs.push(pv);
}

function metadataAreas(found: FoundVg[], vg: VolumeGroup): number {
  return vg.pvs.reduce((n, pv) => n + (found.map((f) => f.pvDevices.get(pv.id)).find((d) => d)?.mdas.length ?? 0), 0);
}

/** Splits; fails (UlvmError) where lvm2's vgsplit refuses, before anything is written. */
export async function splitVg(ctx: Ctx, o: VgSplitOptions): Promise<VgSplitResult> {
  if (o.from === o.to) fail(`Duplicate volume group name "${o.from}"`, 5);
  await ctx.locks.global();
  const scan = ctx.scan();
  const existing = scan.has(o.to);
  let toFound: FoundVg | undefined;
  if (!existing) {
    if (nameProblem(o.to)) fail(`Invalid vg name ${o.to}.`, 5, 'INVALID_NAME', { name: o.to });
    await ctx.locks.vg(o.to, { creating: true });
  } else {
    await ctx.locks.vg(o.to);
    const r = readVg(ctx, o.to, [`Failed to read VG ${o.to}.`]);
    if (Array.isArray(r)) fail(r, 5, 'VG_NOT_FOUND', { vg: o.to });
    toFound = r;
  }
  await ctx.locks.vg(o.from);
  // lvm2 names the destination in this line whatever went wrong with the source.
  const r = readVg(ctx, o.from, [`Failed to read VG ${o.to}.`]);
  if (Array.isArray(r)) fail(r, 5, r[0]!.endsWith('exported') ? 'VG_EXPORTED' : 'VG_NOT_FOUND', { vg: o.from });
  const fromFound = r;
  const sources = toFound ? [fromFound, toFound] : [fromFound];
  let to: VolumeGroup;
  if (toFound) {
    if (newVgOption(o)) fail(`Volume group "${o.to}" exists, but new VG option specified`);
    const problem = await incompatibility(ctx, fromFound, toFound.vg);
    if (problem) fail(problem);
    to = cloneVg(toFound.vg);
  } else to = newVg(ctx, o.to, fromFound.vg, o);
  const from = cloneVg(fromFound.vg);
  const movedIds: string[] = [];
  for (const arg of o.pvs ?? []) {
    const name = ctx.deviceName(arg);
    const pv = from.pvs.find((p) => fromFound.pvDevices.get(p.id)?.path === name);
    if (!pv) fail(`Physical volume ${arg} not in volume group ${o.from}`);
    movePv(from, to, pv.id);
    movedIds.push(pv.id);
  }
  if (o.lv !== undefined) {
    const lv = from.lvs.find((l) => l.name === o.lv);
    if (!lv) fail(`Logical volume ${o.lv} not in volume group ${o.from}`);
    for (const id of pvsUsedByLv(from, lv, segReferences))
      if (from.pvs.some((p) => p.id === id)) {
        movePv(from, to, id);
        movedIds.push(id);
      }
  }
  const active = await ctx.loadActivation();
  try {
    moveLvsWithPvs({ from, to, isActive: (lv) => active.some((a) => a.vgId === from.id && a.lvName === lv.name), references: segReferences });
  } catch (e) {
    if (e instanceof SplitRefusal) fail(e.message);
    throw e;
  }
  if (from.pvs.length && (!metadataAreas(sources, from) || !metadataAreas(sources, to))) fail('Cannot split: Nowhere to store metadata for new Volume Group');
  const toPaths = devicesOf(ctx, to, sources);
  const knownSeqno = toFound?.vg.seqno ?? 0;
  to.status = [...new Set([...to.status, 'EXPORTED'])];
  ctx.commit(to, toPaths, toFound?.vg);
  if (toFound) warnOldMetadata(ctx, to, knownSeqno, fromFound, movedIds);
  if (from.pvs.length) ctx.commit(from, devicesOf(ctx, from, [fromFound]), fromFound.vg);
  else ctx.archive(fromFound.vg);
  const imported = cloneVg(to);
  imported.status = imported.status.filter((s) => s !== 'EXPORTED');
  ctx.commit(imported, toPaths, to);
  if (toFound) warnOldMetadata(ctx, imported, knownSeqno, fromFound, movedIds);
  ctx.print(`${toFound ? 'Existing' : 'New'} volume group "${o.to}" successfully split from "${o.from}"`);
  return { existing: toFound !== undefined, sourceRemoved: from.pvs.length === 0 };
}

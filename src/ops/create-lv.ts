// Creating a linear or striped LV as an operation (lvcreate's main path): scan → allocate →
// commit → activate → wipe signatures → zero the start, with lvm2's checks and messages.
import { maxLvProblem } from '../model/limits.ts';
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail } from './select.ts';
import { lvcreateExtents, type NewLvSize } from './lv-size.ts';
import { allocate, freeExtents } from '../model/alloc.ts';
import { lvNameRestriction, nameProblem, nextLvolName } from '../model/names.ts';
import { generateId } from '../formats/uuid.ts';
import type { LogicalVolume, VolumeGroup } from '../model/types.ts';
import { nodename } from '../metadata/stamp.ts';
import { displaySize } from '../report/units.ts';
import { mapLvRange } from '../mapper/extent-map.ts';
import { wipeSignatures, zeroLvStart } from './wipe.ts';
import { activateLvs, canActivate } from './activate.ts';
import { dmName } from '../model/names.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { rescanVg } from './select.ts';

export interface CreateLvOptions extends NewLvSize {
  vg: string;
  /** linear/striped (the default), or zero or error: virtual LVs that take no extents. */
  type?: 'striped' | 'zero' | 'error';
  /** Default: lvm2's next free lvolN. */
  name?: string;
  stripes?: number;
  /** Sectors per stripe chunk; lvm2's default (64 KiB, announced) when striped and not given. */
  stripeSize?: number;
  /** Device names of the PVs to allocate from (all of the VG's by default). */
  pvs?: string[];
  readOnly?: boolean;
  tags?: string[];
  alloc?: string;
  /** Default true (lvm2's -ay); never when activation is disabled. */
  activate?: boolean;
  /** lvm2's -k y: activation passes this LV by (unless told to ignore that, -K). */
  activationSkip?: boolean;
  /** lvm2's -K: activate it anyway. */
  ignoreActivationSkip?: boolean;
  /** Zero the LV's first 4 KiB (lvm2's -Z y, the default). */
  zero?: boolean;
  /** Wipe known signatures at the start of the new LV (lvm2's -W y, the default). */
  wipeSignatures?: boolean;
}

/** The VG's PVs named by device (lvm2 allows `PV:PE-range`; the range is ignored here). */
export function pvIdsOf(ctx: Ctx, found: FoundVg, devices: string[] | undefined): Set<string> | undefined {
  if (!devices?.length) return undefined;
  const ids = new Set<string>();
  for (const a of devices) {
    const name = ctx.deviceName(a.replace(/:.*$/, ''));
    const pv = found.vg.pvs.find((p) => found.pvDevices.get(p.id)?.path === name);
    if (!pv) fail(`Physical Volume "${name}" not found in Volume Group "${found.vg.name}".`, 5, 'PV_NOT_FOUND', { pv: name, vg: found.vg.name });
    ids.add(pv.id);
  }
  return ids;
}

/** lvm2's checks of a new LV's name (command-line errors, rc 3). */
export function checkNewLvName(name: string): void {
  const p = nameProblem(name);
  if (p) fail([`Logical volume name "${name}" is invalid.`, `Run \`lvcreate --help' for more information.`], 3, 'INVALID_NAME', { name });
  const r = lvNameRestriction(name);
  if (r) fail([r, `Run \`lvcreate --help' for more information.`], 3, 'INVALID_NAME', { name });
}

/** Creates the LV; returns its name and id. Fails (UlvmError) as lvm2 refuses. */
export async function createLv(ctx: Ctx, o: CreateLvOptions): Promise<{ vg: string; name: string; id: string }> {
  const vgName = o.vg;
  if (o.name !== undefined) checkNewLvName(o.name);
  const stripes = o.stripes ?? 1;
  let stripeSize: number | undefined;
  if (stripes > 1) {
    if (o.stripeSize !== undefined) stripeSize = o.stripeSize;
    else {
      stripeSize = 128;
      ctx.print(`Using default stripesize ${displaySize(stripeSize)}.`);
    }
    if (stripeSize & (stripeSize - 1) || stripeSize < 8) fail(`Invalid stripe size ${displaySize(stripeSize)}.`, 3, 'INVALID_ARGUMENT');
  }
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg: VolumeGroup = cloneVg(found.vg);
  const name = o.name ?? nextLvolName(vg.lvs.map((l) => l.name));
  if (vg.lvs.some((l) => l.name === name)) fail(`Logical Volume "${name}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: name });
  const full = maxLvProblem(vg);
  if (full) fail(full);
  const pvs = pvIdsOf(ctx, found, o.pvs);
  const free = freeExtents(vg, pvs);
  const total = vg.pvs.reduce((n, p) => n + p.peCount, 0);
  const wanted = lvcreateExtents(ctx, o, vg.extentSize, (w) =>
    w === 'VG' ? total : w === 'FREE' ? freeExtents(vg) : w === 'PVS' ? (pvs ? free : freeExtents(vg)) : fail(`Please express size as %VG, %PVS, or %FREE.`, 3, 'INVALID_ARGUMENT'),
  );
  let extents = wanted.extents;
  const approximate = wanted.approximate;
  if (extents % stripes) {
    const up = Math.ceil(extents / stripes) * stripes;
    ctx.print(`Rounding size ${displaySize(extents * vg.extentSize)} (${extents} extents) up to stripe boundary size ${displaySize(up * vg.extentSize)} (${up} extents).`);
    extents = up;
  }
  if (extents === 0) fail(`Number of extents requested (0) needs to be divisible by ${stripes}.`, 5);
  if (stripes > vg.pvs.length) fail(`Number of stripes (${stripes}) must not exceed number of physical volumes (${vg.pvs.length})`, 5);
  const virtual = o.type === 'zero' || o.type === 'error';
  // As lvm2: the VG's free extents first, then those of the PVs named (its allocation's check).
  const vgFree = virtual ? Infinity : freeExtents(vg);
  const space = { vg: vgName, requiredExtents: extents };
  if (!approximate && extents > vgFree) fail(`Volume group "${vgName}" has insufficient free space (${vgFree} extents): ${extents} required.`, 5, 'ENOSPC_VG', { ...space, freeExtents: vgFree });
  if (!virtual && !approximate && extents > free) fail(`Insufficient free space: ${extents} extents needed, but only ${free} available`, 5, 'ENOSPC_VG', { ...space, freeExtents: free });
  const res = virtual
    ? { allocated: extents, segments: [o.type === 'zero' ? { kind: 'zero' as const, type: 'zero', startExtent: 0, extentCount: extents, tags: [] } : { kind: 'error' as const, type: 'error', startExtent: 0, extentCount: extents, tags: [] }] }
    : allocate(vg, { extents, stripes, ...(stripeSize ? { stripeSize } : {}), ...(pvs ? { pvs } : {}), approximate });
  if (!res || res.allocated === 0) fail(`Insufficient suitable allocatable extents for logical volume ${name}: ${extents} more required`);
  const lv: LogicalVolume = {
    name,
    id: generateId(),
    status: o.readOnly ? ['READ', 'VISIBLE'] : ['READ', 'WRITE', 'VISIBLE'],
    flags: [],
    tags: [...(o.tags ?? [])],
    creationTime: ctx.now(),
    creationHost: nodename(),
    segments: res.segments,
  };
  if (o.alloc) lv.allocationPolicy = o.alloc;
  if (o.activationSkip) lv.flags.push('ACTIVATION_SKIP');
  vg.lvs.push(lv);
  ctx.verbose(1, `Creating logical volume ${name}`);
  const noActivate = o.activate === false || ctx.activationDisabled || (o.activationSkip === true && !o.ignoreActivationSkip);
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  if (!noActivate && canActivate(ctx)) {
    ctx.verbose(1, `Activating logical volume ${vgName}/${name}.`);
    ctx.verbose(1, `activation/volume_list configuration setting not defined: Checking only host tags for ${vgName}/${name}.`);
    await activateLvs(ctx, rescanVg(ctx, found), [name]);
    const a = (await ctx.loadActivation()).find((x) => x.vgId === vg.id && x.lvId === lv.id);
    if (a) {
      const dm = dmName(vgName, name);
      ctx.verbose(1, `Creating ${dm}`);
      ctx.verbose(1, `Loading table for ${dm} (${a.major}:${a.minor}).`);
      ctx.verbose(1, `Resuming ${dm} (${a.major}:${a.minor}).`);
    }
  }
  // A virtual LV has nothing on disk to wipe or zero (and lvm2 says nothing about it).
  if (virtual) {
    ctx.print(`Logical volume "${name}" created.`);
    return { vg: vgName, name, id: lv.id };
  }
  if (!noActivate && o.wipeSignatures !== false) {
    // lvm2 wipes known signatures at the start of the new LV, asking first; a refusal takes the LV away again.
    ctx.verbose(1, `Wiping known signatures on logical volume ${vgName}/${name}.`);
    const first = mapLvRange(vg, lv, 0, 68 * 1024)[0]!;
    const path = found.pvDevices.get(first.pv.id)!.path;
    if (wipeSignatures(ctx, ctx.opener, path, `/dev/${vgName}/${name}`, first.offset) === 'refused') {
      if (canActivate(ctx)) await ctx.activator.deactivate(vgName, [name]);
      const undo = cloneVg(vg);
      undo.lvs = undo.lvs.filter((l) => l.name !== name);
      ctx.commit(undo, ctx.pvPaths(found), vg);
      ctx.error(`Failed to wipe signatures on logical volume ${vgName}/${name}.`);
      fail('Aborting. Failed to wipe start of new LV.');
    }
  }
  if (noActivate) ctx.warn(`WARNING: Logical volume ${vgName}/${name} not zeroed.`);
  else if (o.zero !== false) {
    zeroLvStart(ctx, found, vg, lv);
  }
  ctx.print(`Logical volume "${name}" created.`);
  return { vg: vgName, name, id: lv.id };
}

// lvcreate: linear and striped logical volumes, and classic snapshots (lvcreate-snapshot.ts).
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { findVgOrFail, splitLvName } from './select.ts';
import { checkSizeNotZero, lvcreateExtents, sizeArg } from './lv-size.ts';
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
import { createSnapshot } from './lvcreate-snapshot.ts';

function pvSet(ctx: Ctx, found: FoundVg, args: string[]): Set<string> | undefined {
  if (!args.length) return undefined;
  const ids = new Set<string>();
  for (const a of args) {
    const name = ctx.deviceName(a.replace(/:.*$/, ''));
    const pv = found.vg.pvs.find((p) => found.pvDevices.get(p.id)?.path === name);
    if (!pv) fail(`Physical Volume "${name}" not found in Volume Group "${found.vg.name}".`, 5, 'PV_NOT_FOUND', { vg: found.vg.name, pv: name });
    ids.add(pv.id);
  }
  return ids;
}

export async function run(ctx: Ctx): Promise<number> {
  const [target, ...pvArgs] = ctx.args.positionals;
  if (!target) fail('Please specify a volume group', 3);
  checkSizeNotZero(ctx);
  let vgName = target;
  let lvName = ctx.opt('name');
  const split = splitLvName(target);
  if (ctx.has('snapshot') || ctx.opt('type') === 'snapshot') {
    if (!split) fail(['Please specify a logical volume to act as the snapshot origin.', `Run \`lvcreate --help' for more information.`], 3);
    return createSnapshot(ctx, split.vg, split.lv, lvName, (f) => pvSet(ctx, f, pvArgs));
  }
  if (split) {
    vgName = split.vg;
    if (lvName && lvName !== split.lv) fail(`Inconsistent logical volume names given: "${split.lv}" and "${lvName}"`, 3);
    lvName = split.lv;
  }
  const type = ctx.opt('type');
  const pool = ctx.opt('thinpool');
  if (pool !== undefined || ctx.has('virtualsize') || ctx.has('thin') || (type && type.startsWith('thin'))) {
    const f = findVgOrFail(ctx, vgName);
    if (pool !== undefined && !f.vg.lvs.some((l) => l.name === pool.replace(/^.*\//, ''))) fail(`Pool ${pool.replace(/^.*\//, '')} not found in Volume group ${vgName}.`);
    fail('Thin provisioning is not supported by this version of ulvm yet.');
  }
  if (type && !['linear', 'striped'].includes(type)) fail(`Segment type ${type} is not supported by ulvm yet.`, 5);
  if (lvName !== undefined) {
    const help = `Run \`lvcreate --help' for more information.`;
    // --name vg/lv names the VG too (lvm2's validate_lvname_param); it must agree with the VG argument.
    let nameVg: string | undefined;
    if (lvName.includes('/')) {
      const m = /^([^/]*)\/+([^/]*)$/.exec(lvName.replace(/^\/dev\/+/, ''));
      if (!m) fail([`"${lvName}": Invalid path for Logical Volume.`, help], 3, 'INVALID_NAME', { name: lvName });
      nameVg = m[1]!;
      lvName = m[2]!;
    }
    const p = nameProblem(lvName);
    if (p) fail([`Logical volume name "${lvName}" is invalid.`, help], 3, 'INVALID_NAME', { name: lvName });
    const r = lvNameRestriction(lvName);
    if (r) fail([r, help], 3, 'INVALID_NAME', { name: lvName });
    if (nameVg !== undefined && nameVg !== vgName) fail([`Inconsistent volume group names given: "${nameVg}" and "${vgName}"`, help], 3, 'INVALID_NAME', { name: nameVg, vg: vgName });
  }
  const stripes = parseInt(ctx.opt('stripes') ?? '1', 10);
  let stripeSize: number | undefined;
  if (stripes > 1) {
    const I = ctx.opt('stripesize');
    if (I) stripeSize = sizeArg(I, 'k', 'stripesize').sectors;
    else {
      stripeSize = 128;
      ctx.print(`Using default stripesize ${displaySize(stripeSize)}.`);
    }
    if (stripeSize & (stripeSize - 1) || stripeSize < 8) fail(`Invalid stripe size ${displaySize(stripeSize)}.`, 3);
  }
  await ctx.locks.vg(vgName);
  const found = findVgOrFail(ctx, vgName);
  const vg: VolumeGroup = cloneVg(found.vg);
  const name = lvName ?? nextLvolName(vg.lvs.map((l) => l.name));
  if (vg.lvs.some((l) => l.name === name)) fail(`Logical Volume "${name}" already exists in volume group "${vgName}"`, 5, 'INVALID_NAME', { vg: vgName, lv: name });
  const pvs = pvSet(ctx, found, pvArgs);
  const free = freeExtents(vg, pvs);
  const total = vg.pvs.reduce((n, p) => n + p.peCount, 0);
  const wanted = lvcreateExtents(ctx, vg.extentSize, (w) =>
    w === 'VG' ? total : w === 'FREE' ? freeExtents(vg) : w === 'PVS' ? (pvs ? free : freeExtents(vg)) : fail(`Please express size as %VG, %PVS, or %FREE.`, 3),
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
  // As lvm2: the VG's free extents first, then those of the PVs named (its allocation's check).
  const vgFree = freeExtents(vg);
  const space = { vg: vgName, requiredExtents: extents };
  if (!approximate && extents > vgFree) fail(`Volume group "${vgName}" has insufficient free space (${vgFree} extents): ${extents} required.`, 5, 'ENOSPC_VG', { ...space, freeExtents: vgFree });
  if (!approximate && extents > free) fail(`Insufficient free space: ${extents} extents needed, but only ${free} available`, 5, 'ENOSPC_VG', { ...space, freeExtents: free });
  const res = allocate(vg, { extents, stripes, ...(stripeSize ? { stripeSize } : {}), ...(pvs ? { pvs } : {}), approximate });
  if (!res || res.allocated === 0) fail(`Insufficient suitable allocatable extents for logical volume ${name}: ${extents} more required`);
  const lv: LogicalVolume = {
    name,
    id: generateId(),
    status: ctx.opt('permission') === 'r' ? ['READ', 'VISIBLE'] : ['READ', 'WRITE', 'VISIBLE'],
    flags: [],
    tags: ctx.args.options.get('addtag') ?? [],
    creationTime: ctx.now(),
    creationHost: nodename(),
    segments: res.segments,
  };
  const alloc = ctx.opt('alloc');
  if (alloc) lv.allocationPolicy = alloc;
  vg.lvs.push(lv);
  ctx.verbose(1, `Creating logical volume ${name}`);
  const noActivate = ctx.opt('activate') === 'n' || ctx.opt('driverloaded') === 'n';
  ctx.commit(vg, ctx.pvPaths(found), found.vg);
  if (!noActivate && canActivate(ctx)) {
    ctx.verbose(1, `Activating logical volume ${vgName}/${name}.`);
    ctx.verbose(1, `activation/volume_list configuration setting not defined: Checking only host tags for ${vgName}/${name}.`);
    await activateLvs(ctx, ctx.scan(true).get(vgName)!, [name]);
    const a = (await ctx.loadActivation()).find((x) => x.vgId === vg.id && x.lvId === lv.id);
    if (a) {
      const dm = dmName(vgName, name);
      ctx.verbose(1, `Creating ${dm}`);
      ctx.verbose(1, `Loading table for ${dm} (${a.major}:${a.minor}).`);
      ctx.verbose(1, `Resuming ${dm} (${a.major}:${a.minor}).`);
    }
  }
  if (!noActivate && ctx.opt('wipesignatures') !== 'n') {
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
  else if (ctx.opt('zero') !== 'n') {
    zeroLvStart(ctx, found, vg, lv);
  }
  ctx.print(`Logical volume "${name}" created.`);
  return 0;
}

// lvcreate: linear and striped logical volumes, and classic snapshots.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { findVgOrFail, splitLvName } from '../ops/select.ts';
import { checkSizeNotZero, newLvSizeArgs, sizeArg } from '../ops/lv-size.ts';
import { checkNewLvName, createLv } from '../ops/create-lv.ts';
import { createSnapshot, snapshotChunkArg } from '../ops/create-snapshot.ts';
import { optAll } from '../ops/args.ts';
import { createThinPool } from '../ops/create-thin-pool.ts';
import { createThin } from '../ops/create-thin.ts';
import { MIN_CHUNK } from '../ops/thin-pool-params.ts';
import { displaySize } from '../report/units.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [first, ...pvArgs] = ctx.args.positionals;
  // A pool named VG/POOL by --thinpool names the VG too.
  const poolVg = ctx.opt('thinpool')?.replace(/^\/dev\//, '').match(/^([^/]+)\//)?.[1];
  const target = first ?? poolVg;
  if (!target) fail('Please specify a volume group', 3);
  const help = `Run \`lvcreate --help' for more information.`;
  if (ctx.opt('size') !== undefined && ctx.opt('extents') !== undefined) fail(['Please specify either size or extents (not both).', help], 3, 'INVALID_ARGUMENT');
  checkSizeNotZero(ctx);
  let vgName = target;
  let lvName = ctx.opt('name');
  const split = splitLvName(target);
  const tags = optAll(ctx.args, 'addtag');
  if (THIN_FORMS.has(ctx.args.defId)) {
    const positionalLv = split?.lv;
    return runThin(ctx, split ? split.vg : target, positionalLv, lvName, pvArgs, tags);
  }
  if (ctx.has('snapshot') || ctx.opt('type') === 'snapshot') {
    if (!split) fail(['Please specify a logical volume to act as the snapshot origin.', `Run \`lvcreate --help' for more information.`], 3);
    const chunkSize = snapshotChunkArg(ctx);
    if (ctx.opt('zero') !== undefined) fail(['Option --zero is unsupported with snapshots.', `Run \`lvcreate --help' for more information.`], 3);
    await createSnapshot(ctx, {
      vg: split.vg,
      origin: split.lv,
      ...(lvName !== undefined ? { name: lvName } : {}),
      ...newLvSizeArgs(ctx),
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      pvs: pvArgs,
      tags,
      activate: ctx.opt('activate') !== 'n',
    });
    return 0;
  }
  // --name vg/lv names the VG too (lvm2's validate_lvname_param); it must agree with the VG argument.
  let nameVg: string | undefined;
  if (lvName?.includes('/') && !split) {
    const m = /^([^/]*)\/+([^/]*)$/.exec(lvName.replace(/^\/dev\/+/, ''));
    if (!m) fail([`"${lvName}": Invalid path for Logical Volume.`, help], 3, 'INVALID_NAME', { name: lvName });
    nameVg = m[1]!;
    lvName = m[2]!;
    checkNewLvName(lvName);
    if (nameVg !== vgName) fail([`Inconsistent volume group names given: "${nameVg}" and "${vgName}"`, help], 3, 'INVALID_NAME', { name: nameVg, vg: vgName });
  }
  const type = ctx.opt('type');
  const pool = ctx.opt('thinpool');
  const thin = pool !== undefined || ctx.has('virtualsize') || ctx.has('thin') || (type !== undefined && type.startsWith('thin'));
  // Only pools and thin volumes are named VG/POOL here; a plain LV's VG comes without a slash.
  if (!thin && target.replace(/^\/dev\//, '').includes('/')) fail(['Volume group name expected (no slash)', help], 3, 'INVALID_ARGUMENT');
  if (split) {
    vgName = split.vg;
    if (lvName && lvName !== split.lv) fail(`Inconsistent logical volume names given: "${split.lv}" and "${lvName}"`, 3);
    lvName = split.lv;
  }
  if (thin) fail(`ulvm: this lvcreate form (${ctx.args.defId}) is not supported yet.`);
  if (type && !['linear', 'striped', 'zero', 'error'].includes(type)) fail(`Segment type ${type} is not supported by ulvm yet.`, 5);
  const I = ctx.opt('stripesize');
  const alloc = ctx.opt('alloc');
  await createLv(ctx, {
    vg: vgName,
    ...(type === 'zero' || type === 'error' ? { type } : {}),
    ...(lvName !== undefined ? { name: lvName } : {}),
    ...newLvSizeArgs(ctx),
    stripes: parseInt(ctx.opt('stripes') ?? '1', 10),
    ...(I ? { stripeSize: sizeArg(I, 'k', 'stripesize').sectors } : {}),
    pvs: pvArgs,
    readOnly: ctx.opt('permission') === 'r',
    tags,
    ...(alloc ? { alloc } : {}),
    activate: ctx.opt('activate') !== 'n',
    zero: ctx.opt('zero') !== 'n',
    ...(ctx.opt('setactivationskip') !== undefined ? { activationSkip: ctx.opt('setactivationskip') === 'y' } : {}),
    ignoreActivationSkip: ctx.has('ignoreactivationskip'),
    wipeSignatures: ctx.opt('wipesignatures') !== 'n',
  });
  return 0;
}

/** -c of a thin pool: 64 KiB to 1 GiB, a multiple of 64 KiB (lvm2's validate_thin_pool_chunk_size). */
function poolChunkArg(ctx: Ctx): number | undefined {
  const c = ctx.opt('chunksize');
  if (c === undefined) return undefined;
  const n = sizeArg(c, 'k', 'chunksize').sectors;
  if (n < MIN_CHUNK || n > 2097152) fail(`Thin pool chunk size ${displaySize(n)} is not in the range ${displaySize(MIN_CHUNK)} to ${displaySize(2097152)}.`);
  if (n % MIN_CHUNK) fail(`Thin pool chunk size ${displaySize(n)} must be a multiple of ${displaySize(MIN_CHUNK)}.`);
  return n;
}

type Discards = 'ignore' | 'nopassdown' | 'passdown';

function poolOptions(ctx: Ctx) {
  const chunkSize = poolChunkArg(ctx);
  const md = ctx.opt('poolmetadatasize');
  const zero = ctx.opt('zero');
  const discards = ctx.opt('discards') as Discards | undefined;
  const ewf = ctx.opt('errorwhenfull');
  const I = ctx.opt('stripesize');
  return {
    stripes: parseInt(ctx.opt('stripes') ?? '1', 10),
    ...(I ? { stripeSize: sizeArg(I, 'k', 'stripesize').sectors } : {}),
    ...(chunkSize !== undefined ? { chunkSize } : {}),
    ...(md !== undefined ? { metadataSize: sizeArg(md, 'm', 'poolmetadatasize').sectors } : {}),
    ...(ctx.opt('poolmetadataspare') !== undefined ? { metadataSpare: ctx.opt('poolmetadataspare') === 'y' } : {}),
    ...(zero !== undefined ? { zero: zero === 'y' } : {}),
    ...(discards !== undefined ? { discards } : {}),
    ...(ewf !== undefined ? { errorWhenFull: ewf === 'y' } : {}),
  };
}

/** The thin forms of lvcreate (pool, thin LV, both, thin snapshot), by the command definition matched. */
const THIN_FORMS = new Set(['lvcreate_thinpool', 'lvcreate_thin_vol', 'lvcreate_thin_snapshot', 'lvcreate_thin_vol_and_thinpool', 'lvcreate_thin_vol_with_thinpool_or_sparse_snapshot', 'lvcreate_thin_snapshot_of_external']);

async function runThin(ctx: Ctx, vgArg: string, positionalLv: string | undefined, nameOpt: string | undefined, pvArgs: string[], tags: string[]): Promise<number> {
  const id = ctx.args.defId;
  const poolOpt = ctx.opt('thinpool');
  const poolSplit = poolOpt !== undefined ? splitLvName(poolOpt) : undefined;
  const vg = poolSplit?.vg ?? vgArg;
  const activate = ctx.opt('activate') !== 'n';
  const skip = ctx.opt('setactivationskip');
  const thinCommon = {
    vg, tags, activate, readOnly: ctx.opt('permission') === 'r', ignoreActivationSkip: ctx.has('ignoreactivationskip'),
    ...(skip !== undefined ? { activationSkip: skip === 'y' } : {}),
  };
  const virtualSize = () => sizeArg(ctx.opt('virtualsize')!, 'm', 'virtualsize').sectors;
  if (id === 'lvcreate_thin_snapshot') {
    const origin = positionalLv ?? fail('Please specify a logical volume to act as the snapshot origin.', 3);
    await createThin(ctx, { ...thinCommon, origin, ...(nameOpt !== undefined ? { name: nameOpt } : {}) });
    return 0;
  }
  if (id === 'lvcreate_thinpool') {
    const name = poolSplit?.lv ?? poolOpt ?? positionalLv ?? nameOpt;
    await createThinPool(ctx, { vg, ...(name !== undefined ? { name } : {}), ...newLvSizeArgs(ctx), ...poolOptions(ctx), pvs: pvArgs, tags, activate });
    return 0;
  }
  if (id === 'lvcreate_thin_vol') {
    // The pool is named by --thinpool, or by the first argument (VG/POOL).
    const pool = poolSplit?.lv ?? poolOpt ?? positionalLv ?? fail('Please specify name of existing thin pool.', 3);
    const f = findVgOrFail(ctx, vg);
    if (!f.vg.lvs.some((l) => l.name === pool)) fail(`Pool ${pool} not found in Volume group ${vg}.`);
    await createThin(ctx, { ...thinCommon, pool, virtualSize: virtualSize(), ...(nameOpt !== undefined ? { name: nameOpt } : {}) });
    return 0;
  }
  if (id === 'lvcreate_thin_vol_and_thinpool' || id === 'lvcreate_thin_vol_with_thinpool_or_sparse_snapshot') {
    const poolName = poolSplit?.lv ?? poolOpt ?? positionalLv;
    const thinName = nameOpt;
    const made = await createThinPool(ctx, { vg, ...(poolName !== undefined ? { name: poolName } : {}), ...newLvSizeArgs(ctx), ...poolOptions(ctx), pvs: pvArgs, tags: [], activate, quiet: true });
    await createThin(ctx, { ...thinCommon, pool: made.name, virtualSize: virtualSize(), ...(thinName !== undefined ? { name: thinName } : {}) });
    return 0;
  }
  if (id === 'lvcreate_thin_snapshot_of_external') fail('Thin snapshots of external origins are not supported by ulvm yet.');
  fail(`ulvm: this lvcreate form (${id}) is not supported yet.`);
}

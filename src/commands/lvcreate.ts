// lvcreate: linear and striped logical volumes, and classic snapshots.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { findVgOrFail, splitLvName } from '../ops/select.ts';
import { checkSizeNotZero, newLvSizeArgs, sizeArg } from '../ops/lv-size.ts';
import { checkNewLvName, createLv } from '../ops/create-lv.ts';
import { createSnapshot, snapshotChunkArg } from '../ops/create-snapshot.ts';
import { optAll } from '../ops/args.ts';

export async function run(ctx: Ctx): Promise<number> {
  const [target, ...pvArgs] = ctx.args.positionals;
  if (!target) fail('Please specify a volume group', 3);
  const help = `Run \`lvcreate --help' for more information.`;
  if (ctx.opt('size') !== undefined && ctx.opt('extents') !== undefined) fail(['Please specify either size or extents (not both).', help], 3, 'INVALID_ARGUMENT');
  checkSizeNotZero(ctx);
  let vgName = target;
  let lvName = ctx.opt('name');
  const split = splitLvName(target);
  const tags = optAll(ctx.args, 'addtag');
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
  if (thin) {
    const f = findVgOrFail(ctx, vgName);
    if (pool !== undefined && !f.vg.lvs.some((l) => l.name === pool.replace(/^.*\//, ''))) fail(`Pool ${pool.replace(/^.*\//, '')} not found in Volume group ${vgName}.`);
    fail('Thin provisioning is not supported by this version of ulvm yet.');
  }
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

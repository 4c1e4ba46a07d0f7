// lvextend, lvreduce, lvresize: change the size of an LV (linear, striped, a thin pool's data, a thin
// LV), or with --usepolicies as lvm.conf's autoextend policy says.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { splitLvName } from '../ops/select.ts';
import { checkSizeNotZero, parseExtents, parseSize } from '../ops/lv-size.ts';
import { resizeLv, type ResizeCommand } from '../ops/resize-lv.ts';
import { extendByPolicy } from '../ops/extend-by-policy.ts';
import { findVgOrFail } from '../ops/select.ts';
import { poolOfSubLv, poolSegOf } from '../model/thin.ts';
import { growPmspare } from '../ops/thin-common.ts';

export async function run(ctx: Ctx): Promise<number> {
  const cmd = ctx.args.command as ResizeCommand;
  const [target, ...pvArgs] = ctx.args.positionals;
  checkSizeNotZero(ctx);
  if (ctx.opt('size') !== undefined && ctx.opt('extents') !== undefined) fail(['Please specify either size or extents but not both.', `Run \`${ctx.args.command} --help' for more information.`], 3, 'INVALID_ARGUMENT');
  const split = splitLvName(target ?? '');
  if (!split) fail(`Path required for Logical Volume "${target}".`, 3);
  if (ctx.args.defId === 'lvextend_pool_metadata_by_size') {
    // The pool's metadata LV grows (lvm2 switches the resize to it), and its spare with it.
    const md = parseSize(ctx.opt('poolmetadatasize')!);
    const f = findVgOrFail(ctx, split.vg);
    // A pool, or its metadata LV named directly (lvm2's lv_is_thin_pool_metadata).
    const sub = poolOfSubLv(f.vg, split.lv);
    const metadata = poolSegOf(f.vg.lvs.find((l) => l.name === split.lv))?.metadata ?? (sub?.role === 'metadata' ? split.lv : undefined) ?? fail('--poolmetadatasize can be used only with thin pools.');
    await resizeLv(ctx, { vg: split.vg, lv: metadata, command: 'lvextend', size: md, pvs: pvArgs });
    await growPmspare(ctx, split.vg);
    return 0;
  }
  if (ctx.args.defId === 'lvextend_by_policy') {
    await ctx.locks.vg(split.vg);
    await extendByPolicy(ctx, split.vg, split.lv);
    return 0;
  }
  const L = ctx.opt('size');
  const l = ctx.opt('extents');
  const size = L !== undefined ? parseSize(L) : undefined;
  if (L !== undefined && size) {
    if (cmd === 'lvextend' && size.sign === '-') fail(['Size may not be negative.', `Invalid argument for --size: ${L}`, 'Error during parsing of command line.'], 3);
    if (cmd === 'lvreduce' && size.sign === '+') fail(['Size may not be positive.', `Invalid argument for --size: ${L}`, 'Error during parsing of command line.'], 3);
  }
  const extents = size === undefined && l !== undefined ? parseExtents(l) : undefined;
  const r = await resizeLv(ctx, {
    vg: split.vg,
    lv: split.lv,
    command: cmd,
    ...(size ? { size } : {}),
    ...(extents ? { extents } : {}),
    pvs: pvArgs,
    resizeFs: ctx.has('resizefs'),
    force: ctx.has('force'),
  });
  return r.fsResized === false ? 5 : 0;
}

// vgcreate: make a volume group out of physical volumes.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { sizeArg } from '../ops/lv-size.ts';
import { optAll } from '../ops/args.ts';
import { vgcreate } from '../ops/vg-create.ts';


export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  if (!name || pvArgs.length === 0) fail('Please provide volume group name and physical volumes', 3);
  const s = ctx.opt('physicalextentsize');
  const alloc = ctx.opt('alloc');
  const int = (o: string) => (ctx.opt(o) !== undefined ? parseInt(ctx.opt(o)!, 10) || 0 : undefined);
  const maxLv = int('maxlogicalvolumes');
  const maxPv = int('maxphysicalvolumes');
  const copies = int('vgmetadatacopies');
  await vgcreate(ctx, {
    name,
    pvs: pvArgs,
    ...(s !== undefined ? { extentSize: sizeArg(s, 'm', 'physicalextentsize').sectors } : {}),
    ...(maxLv !== undefined ? { maxLv } : {}),
    ...(maxPv !== undefined ? { maxPv } : {}),
    ...(copies !== undefined ? { metadataCopies: copies } : {}),
    ...(alloc ? { alloc } : {}),
    tags: optAll(ctx.args, 'addtag'),
  });
  return 0;
}

// vgcreate: make a volume group out of physical volumes.
import { existsSync } from 'node:fs';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { nameProblem } from '../model/names.ts';
import { extentSizeProblem, DEFAULT_EXTENT_SECTORS } from '../model/layout.ts';
import { generateId } from '../formats/uuid.ts';
import type { VolumeGroup } from '../model/types.ts';
import { sizeArg } from './lv-size.ts';
import { addPvs, orphanPvsFor } from './vg-build.ts';

export function checkNewVgName(ctx: Ctx, name: string): void {
  const p = nameProblem(name);
  if (p) fail([p, `New volume group name "${name}" is invalid.`, `Run \`${ctx.args.command} --help' for more information.`], 3, 'INVALID_NAME', { name });
  if (existsSync(`/dev/${name}`) && ctx.scan().get(name) === undefined && !ctx.has('devices'))
    fail([`/dev/${name}: already exists in filesystem`, `Run \`${ctx.args.command} --help' for more information.`], 3);
}

export async function run(ctx: Ctx): Promise<number> {
  const [name, ...pvArgs] = ctx.args.positionals;
  if (!name || pvArgs.length === 0) fail('Please provide volume group name and physical volumes', 3);
  checkNewVgName(ctx, name);
  let extentSize = DEFAULT_EXTENT_SECTORS;
  const s = ctx.opt('physicalextentsize');
  if (s !== undefined) {
    const parsed = sizeArg(s, 'm', 'physicalextentsize');
    if (parsed.sectors === 0) fail(['Physical extent size may not be zero', `Run \`vgcreate --help' for more information.`], 3);
    const problem = extentSizeProblem(parsed.sectors);
    if (problem) fail(problem);
    extentSize = parsed.sectors;
  }
  await ctx.locks.global();
  await ctx.locks.vg(name, { creating: true });
  const existing = ctx.scan().get(name);
  // lvm2 finds /dev/<vg> first when the VG has active LVs; ulvm's active LVs play that part.
  if (existing && (await ctx.loadActivation()).some((a) => a.vgId === existing.vg.id))
    fail([`/dev/${name}: already exists in filesystem`, `Run \`vgcreate --help' for more information.`], 3);
  if (existing) fail(`A volume group called ${name} already exists.`, 5, 'INVALID_NAME', { vg: name });
  const devs = orphanPvsFor(ctx, pvArgs, name);
  if (!devs) return 5;
  const vg: VolumeGroup = {
    name,
    id: generateId(),
    seqno: 0,
    status: ['RESIZEABLE', 'READ', 'WRITE'],
    flags: [],
    tags: [],
    extentSize,
    maxLv: parseInt(ctx.opt('maxlogicalvolumes') ?? '0', 10),
    maxPv: parseInt(ctx.opt('maxphysicalvolumes') ?? '0', 10),
    metadataCopies: parseInt(ctx.opt('vgmetadatacopies') ?? '0', 10) || 0,
    pvs: [],
    lvs: [],
  };
  const alloc = ctx.opt('alloc');
  if (alloc) vg.allocationPolicy = alloc;
  for (const t of ctx.args.options.get('addtag') ?? []) vg.tags.push(t);
  addPvs(vg, devs);
  for (const pv of vg.pvs) if (pv.peCount === 0) fail(`Physical volume ${pv.device} is too small for extent size ${extentSize}.`);
  ctx.commit(vg, devs.map((d) => d.path));
  ctx.print(`Volume group "${name}" successfully created`);
  return 0;
}

// Creating a VG as an operation (vgcreate): out of orphan PVs, or plain devices made PVs first.
import { existsSync } from 'node:fs';
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { nameProblem } from '../model/names.ts';
import { extentSizeProblem, DEFAULT_EXTENT_SECTORS } from '../model/layout.ts';
import { generateId } from '../formats/uuid.ts';
import type { VolumeGroup } from '../model/types.ts';
import { addPvs, orphanPvsFor } from './vg-build.ts';
import { UlvmError } from '../errors.ts';

export interface VgCreateOptions {
  name: string;
  /** Device names: PVs in no VG, or plain devices (made PVs with lvm2's defaults). */
  pvs: string[];
  /** Sectors (lvm2's default 4 MiB). */
  extentSize?: number;
  /** 0: no limit. */
  maxLv?: number;
  maxPv?: number;
  metadataCopies?: number;
  alloc?: string;
  tags?: string[];
}

export function checkNewVgName(ctx: Ctx, name: string): void {
  const p = nameProblem(name);
  if (p) fail([p, `New volume group name "${name}" is invalid.`, `Run \`${ctx.args.command} --help' for more information.`], 3, 'INVALID_NAME', { name });
  if (existsSync(`/dev/${name}`) && !ctx.scan().has(name) && !ctx.has('devices'))
    fail([`/dev/${name}: already exists in filesystem`, `Run \`${ctx.args.command} --help' for more information.`], 3);
}

/** Creates the VG; fails (UlvmError) where lvm2's vgcreate refuses. */
export async function vgcreate(ctx: Ctx, o: VgCreateOptions): Promise<void> {
  const name = o.name;
  if (!name || o.pvs.length === 0) fail('Please provide volume group name and physical volumes', 3, 'INVALID_ARGUMENT');
  // A VG is the top of the inheritance: lvm2 refuses to let it inherit.
  if (o.alloc === 'inherit') fail(['Volume Group allocation policy cannot inherit from anything', `Run \`vgcreate --help' for more information.`], 3, 'INVALID_ARGUMENT');
  checkNewVgName(ctx, name);
  const extentSize = o.extentSize ?? DEFAULT_EXTENT_SECTORS;
  if (o.extentSize !== undefined) {
    if (extentSize === 0) fail(['Physical extent size may not be zero', `Run \`vgcreate --help' for more information.`], 3, 'INVALID_ARGUMENT');
    const problem = extentSizeProblem(extentSize);
    if (problem) fail(problem, 5, 'INVALID_ARGUMENT');
  }
  await ctx.locks.global();
  await ctx.locks.vg(name, { creating: true });
  const existing = ctx.scan().all().filter((f) => f.vg.name === name);
  // lvm2 finds /dev/<vg> first when the VG has active LVs; ulvm's active LVs play that part.
  if (existing.length && (await ctx.loadActivation()).some((a) => existing.some((f) => a.vgId === f.vg.id)))
    fail([`/dev/${name}: already exists in filesystem`, `Run \`vgcreate --help' for more information.`], 3);
  // lvm2 looks the name up in its cache, which knows no single VG for a name two VGs share: it
  // then creates yet another VG of that name (and warns about it from then on).
  if (existing.length === 1) fail(`A volume group called ${name} already exists.`, 5, 'INVALID_NAME', { vg: name });
  const devs = orphanPvsFor(ctx, o.pvs, name);
  if (!devs) throw new UlvmError('DEVICE_UNUSABLE', [], 5, { vg: name, detail: `Cannot create volume group ${name}: not every device could be used.` });
  const vg: VolumeGroup = {
    name,
    id: generateId(),
    seqno: 0,
    status: ['RESIZEABLE', 'READ', 'WRITE'],
    flags: [],
    tags: [],
    extentSize,
    maxLv: o.maxLv ?? 0,
    maxPv: o.maxPv ?? 0,
    metadataCopies: o.metadataCopies ?? 0,
    pvs: [],
    lvs: [],
  };
  if (o.alloc) vg.allocationPolicy = o.alloc;
  for (const t of o.tags ?? []) vg.tags.push(t);
  addPvs(vg, devs);
  for (const pv of vg.pvs) if (pv.peCount === 0) fail(`Physical volume ${pv.device} is too small for extent size ${extentSize}.`);
  ctx.commit(vg, devs.map((d) => d.path));
  // lvm2's cache learns of the new VG as it is written, and warns that its name is now used once more.
  if (existing.length) ctx.scan();
  ctx.print(`Volume group "${name}" successfully created`);
}

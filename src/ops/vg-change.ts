// Changing a VG's attributes as an operation (vgchange -x/-l/-p/--alloc/--addtag/--deltag/
// --vgmetadatacopies/--uuid), with lvm2's refusals; all in one commit.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { generateId } from '../formats/uuid.ts';
import { isResizeable, setMaxLvProblem, setMaxPvProblem } from '../model/limits.ts';
import { handlesMissingPvs } from './handles-missing.ts';
import { markMissingPvs } from './missing-pvs.ts';
import { rescanVg } from './select.ts';

export interface VgChangeOptions {
  resizeable?: boolean;
  addTags?: string[];
  delTags?: string[];
  /** 0: no limit. */
  maxLv?: number;
  maxPv?: number;
  alloc?: string;
  /** 0: unmanaged (lvm2's all/unmanaged). */
  metadataCopies?: number;
  /** A new VG uuid (vgchange --uuid). */
  newUuid?: boolean;
}

/** A change lvm2 refuses: its message, nothing written, and the next VG named is still processed. */
function failVg(ctx: Ctx, msg: string): number {
  ctx.error(msg);
  return 5;
}

/** Changes one VG; returns lvm2's status (5 after printing why nothing was changed). */
export async function changeVg(ctx: Ctx, f: FoundVg, o: VgChangeOptions): Promise<number> {
  const name = f.vg.name;
  await ctx.locks.vg(name);
  const cur = rescanVg(ctx, f);
  const vg = cloneVg(cur.vg);
  if (o.resizeable !== undefined) {
    if (o.resizeable === isResizeable(vg)) return failVg(ctx, `Volume group "${name}" is already ${o.resizeable ? '' : 'not '}resizeable`);
    vg.status = o.resizeable ? [...new Set(['RESIZEABLE', ...vg.status])] : vg.status.filter((s) => s !== 'RESIZEABLE');
  }
  for (const t of o.addTags ?? []) if (!vg.tags.includes(t)) vg.tags.push(t);
  for (const t of o.delTags ?? []) vg.tags = vg.tags.filter((y) => y !== t);
  if (o.maxLv !== undefined) {
    const problem = setMaxLvProblem(vg, o.maxLv);
    if (problem) return failVg(ctx, problem);
    vg.maxLv = o.maxLv;
  }
  if (o.maxPv !== undefined) {
    const problem = setMaxPvProblem(vg, o.maxPv);
    if (problem) return failVg(ctx, problem);
    vg.maxPv = o.maxPv;
  }
  if (o.alloc === 'inherit') return failVg(ctx, 'Volume Group allocation policy cannot inherit from anything');
  if (o.alloc !== undefined) vg.allocationPolicy = o.alloc;
  if (o.metadataCopies !== undefined) vg.metadataCopies = o.metadataCopies;
  if (o.newUuid) vg.id = generateId();
  // Tags and profiles may change while PVs are missing (lvm2's partial-safe changes); the rest may not.
  const partial = handlesMissingPvs(ctx.args);
  const warnings = partial ? markMissingPvs(vg, cur) : [];
  ctx.commit(vg, ctx.pvPaths(cur, partial), cur.vg);
  for (const w of warnings) ctx.warn(w);
  ctx.print(`Volume group "${name}" successfully changed`);
  return 0;
}

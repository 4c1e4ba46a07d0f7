// Changing an LV's properties as an operation (lvchange -p, -k, --addtag/--deltag): the
// permission in a commit of its own (the active LV is reloaded read-only or writable), flags and
// tags together in one more.
import { cloneVg } from '../model/clone.ts';
import type { Ctx } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { reloadVg } from './activate.ts';
import { rescanVg } from './select.ts';

export interface LvChangeOptions {
  permission?: 'r' | 'rw';
  /** Set or clear the activation skip flag (lvm2's -k y|n). */
  activationSkip?: boolean;
  addTags?: string[];
  delTags?: string[];
}

/** Changes one LV of `found`; returns lvm2's status (5 after printing what was refused). */
export async function changeLv(ctx: Ctx, found: FoundVg, lvName: string, o: LvChangeOptions): Promise<number> {
  const s = { vg: found.vg.name, lv: lvName };
  const lv = found.vg.lvs.find((l) => l.name === lvName)!;
  const perm = o.permission;
  const addTags = o.addTags ?? [];
  const delTags = o.delTags ?? [];
  let rc = 0;
  if (perm !== undefined) {
    const want = perm === 'r' ? ['READ', 'VISIBLE'] : ['READ', 'WRITE', 'VISIBLE'];
    const has = lv.status.includes('WRITE');
    if ((perm === 'r' && !has) || (perm === 'rw' && has)) {
      ctx.error(`Logical volume ${s.vg}/${s.lv} is already ${perm === 'r' ? 'read only' : 'writable'}.`);
      rc = 5;
    } else {
      const vg = cloneVg(found.vg);
      const l = vg.lvs.find((x) => x.name === s.lv)!;
      l.status = l.status.filter((w) => w !== 'READ' && w !== 'WRITE' && w !== 'VISIBLE');
      l.status = [...want.filter((w) => w !== 'VISIBLE' || lv.status.includes('VISIBLE')), ...l.status];
      ctx.commit(vg, ctx.pvPaths(found), found.vg);
      await reloadVg(ctx, s.vg, ctx.pvPaths(found));
      ctx.print(`Logical volume ${s.vg}/${s.lv} changed.`);
    }
  }
  // Flags and tags change in one commit (on top of a permission change just written).
  const skip = o.activationSkip;
  if (skip !== undefined || addTags.length || delTags.length) {
    const cur = rescanVg(ctx, found);
    const vg = cloneVg(cur.vg);
    const l = vg.lvs.find((x) => x.name === s.lv)!;
    if (skip !== undefined) {
      l.flags = l.flags.filter((f) => f !== 'ACTIVATION_SKIP');
      if (skip) l.flags.push('ACTIVATION_SKIP');
    }
    for (const t of addTags) if (!l.tags.includes(t)) l.tags.push(t);
    l.tags = l.tags.filter((t) => !delTags.includes(t));
    ctx.commit(vg, ctx.pvPaths(cur), cur.vg);
    ctx.print(`Logical volume ${s.vg}/${s.lv} changed.`);
  }
  return rc;
}

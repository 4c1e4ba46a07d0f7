// lvchange -a y|n (activation), -p r|rw (permission), --refresh.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { splitLvName, findVgOrFail } from './select.ts';
import { activateLvs, reloadVg } from './activate.ts';
import { cloneVg } from '../model/clone.ts';

export async function run(ctx: Ctx): Promise<number> {
  const act = ctx.opt('activate');
  const perm = ctx.opt('permission');
  let rc = 0;
  for (const arg of ctx.args.positionals) {
    const s = splitLvName(arg);
    if (!s) fail(`"${arg}": Invalid path for Logical Volume.`, 3);
    await ctx.locks.vg(s.vg);
    const found = findVgOrFail(ctx, s.vg);
    const lv = found.vg.lvs.find((l) => l.name === s.lv);
    if (!lv) {
      ctx.error(`Failed to find logical volume "${s.vg}/${s.lv}"`);
      rc = 5;
      continue;
    }
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
    if (act !== undefined && !ctx.activationDisabled) {
      if (act.endsWith('n')) await ctx.activator.deactivate(s.vg, [s.lv]);
      else await activateLvs(ctx, ctx.scan(true).get(s.vg)!, [s.lv]);
    }
    if (ctx.has('refresh')) await reloadVg(ctx, s.vg, ctx.pvPaths(found));
  }
  return rc;
}

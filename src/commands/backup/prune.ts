// ulvm backup prune [--repo REPO] [--keep-last N] [--keep-hourly N] [--keep-daily N]
//   [--keep-weekly N] [--keep-monthly N] [--dry-run] [--wait SECONDS]: forget backups the policy
// does not keep (pinned ones always stay), then collect the chunks nothing references any more.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { displaySize } from '../../report/units.ts';
import type { RetentionPolicy } from '../../backup/types.ts';
import { countOpt, type BackupArgs } from './args.ts';
import { openRepo } from './common.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  const policy: RetentionPolicy = {};
  const keys = [['keep-last', 'keepLast'], ['keep-hourly', 'keepHourly'], ['keep-daily', 'keepDaily'], ['keep-weekly', 'keepWeekly'], ['keep-monthly', 'keepMonthly']] as const;
  for (const [opt, field] of keys) {
    const n = countOpt(a, opt);
    if (n !== undefined) policy[field] = n;
  }
  if (!Object.keys(policy).length) fail(['Please give a retention policy (--keep-last, --keep-hourly, --keep-daily, --keep-weekly, --keep-monthly): prune without one would remove every unpinned backup.'], 3, 'INVALID_ARGUMENT');
  const waitS = a.values.wait;
  if (waitS !== undefined && !/^\d+$/.test(waitS)) fail([`Invalid argument for --wait: ${waitS}`], 3, 'INVALID_ARGUMENT');
  const dryRun = a.values['dry-run'] === true;
  const repo = await openRepo(ctx, a);
  const unlock = await repo.lock('exclusive', 'prune', { waitMs: Number(waitS ?? 0) * 1000 });
  try {
    const r = await repo.prune(policy, { dryRun });
    for (const k of r.keep) ctx.print(`Keeping backup ${k.id.slice(0, 8)} (${k.reasons.join(', ')}).`);
    for (const id of r.remove) ctx.print(`${dryRun ? 'Would remove' : 'Removed'} backup ${id.slice(0, 8)}.`);
    const g = await repo.gc({ dryRun });
    const freed = g.bytesFreed ? displaySize(g.bytesFreed / 512) : 'nothing';
    ctx.print(`${dryRun ? 'Would free' : 'Freed'} ${freed}: ${g.chunksDeleted} chunks deleted, ${g.packsDeleted} packs deleted, ${g.packsRepacked} repacked (packs still mostly in use are kept whole).`);
    return 0;
  } finally {
    await unlock();
  }
}

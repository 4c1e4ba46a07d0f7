// ulvm backup pin|unpin BACKUP: a pinned backup is kept by prune whatever its policy says.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { openRepo } from './common.ts';
import type { BackupArgs } from './args.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  const pin = ctx.args.positionals[0] === 'pin';
  if (a.positionals.length !== 1) fail([`Please give one backup: ulvm backup ${pin ? 'pin' : 'unpin'} BACKUP.`], 3, 'INVALID_ARGUMENT');
  const repo = await openRepo(ctx, a);
  const m = await repo.loadBackup(a.positionals[0]!);
  await repo.setPinned(m.id, pin);
  ctx.print(`Backup ${m.id.slice(0, 8)} ${pin ? 'pinned' : 'unpinned'}.`);
  return 0;
}

// `ulvm backup SUBCOMMAND …`: snapshot-based backups of LVs into a repository (ulvm's own command,
// in lvm2's manner: messages indented two spaces, errors on stderr with rc 5, bad command lines
// rc 3). One file per subcommand under backup/; this one parses and dispatches.
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { parseBackupArgs, type BackupArgs } from './backup/args.ts';

type Sub = (ctx: Ctx, a: BackupArgs) => Promise<number>;

const SUBCOMMANDS: Record<string, () => Promise<{ run: Sub }>> = {
  init: () => import('./backup/init.ts'),
  create: () => import('./backup/create.ts'),
  list: () => import('./backup/list.ts'),
  restore: () => import('./backup/restore.ts'),
  mount: () => import('./backup/mount.ts'),
  verify: () => import('./backup/verify.ts'),
  prune: () => import('./backup/prune.ts'),
  pin: () => import('./backup/pin.ts'),
  unpin: () => import('./backup/pin.ts'),
};

export async function run(ctx: Ctx): Promise<number> {
  const [sub, ...rest] = ctx.args.positionals;
  if (!sub) fail(['Please give a backup subcommand: init, create, list, restore, mount, verify, prune, pin or unpin.', "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
  const load = SUBCOMMANDS[sub] ?? fail([`Unknown backup subcommand "${sub}".`, "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
  const a = parseBackupArgs(sub, rest);
  return (await load()).run(ctx, a);
}

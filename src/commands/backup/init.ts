// ulvm backup init [--repo REPO] [--chunk-size SIZE]: a new, empty, encrypted repository.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { Repository } from '../../backup/repo/repository.ts';
import { repoKey, repoLocation, repoStorage } from '../../backup/location.ts';
import { displaySize } from '../../report/units.ts';
import { repoArgs, sizeBytes } from './common.ts';
import type { BackupArgs } from './args.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  const args = repoArgs(a);
  if (a.positionals.length > 1) fail(['Too many arguments: ulvm backup init [REPO].', "Run `ulvm backup --help' for more information."], 3, 'INVALID_ARGUMENT');
  if (a.positionals[0] !== undefined) args.repo = a.positionals[0];
  const where = repoLocation(args, ctx.run.env, ctx.run.cwd);
  const chunkSize = a.values['chunk-size'] !== undefined ? sizeBytes(a.values['chunk-size'], 'chunk-size') : undefined;
  if (chunkSize !== undefined && (chunkSize < 64 * 1024 || chunkSize > 64 * 1024 * 1024 || chunkSize & (chunkSize - 1)))
    fail(['Chunk size must be a power of 2 in the range 64K to 64M.', `Invalid argument for --chunk-size: ${a.values['chunk-size']}`], 3, 'INVALID_ARGUMENT');
  // Tests and demos on a small machine may ask for a cheap key derivation; never the default.
  const kdf = a.values['cheap-kdf'] ? { N: 1024, r: 8, p: 1 } : undefined;
  const repo = await Repository.init(repoStorage(where, { create: true }), repoKey(args, ctx.run.env, ctx.run.cwd), { ...(chunkSize ? { chunkSize } : {}), ...(kdf ? { kdf } : {}) });
  ctx.print(`Repository ${where} created (chunk size ${displaySize(repo.chunkSize / 512)}, encrypted, id ${repo.id.slice(0, 8)}).`);
  return 0;
}

// ulvm backup verify [--repo REPO] [--full] [--reportformat json]: the repository's structure
// (quick), or every chunk decrypted and hashed (--full). Exit status 5 when anything is wrong.
import type { Ctx } from '../../ops/context.ts';
import { jsonWanted, openRepo } from './common.ts';
import type { BackupArgs } from './args.ts';

export async function run(ctx: Ctx, a: BackupArgs): Promise<number> {
  const repo = await openRepo(ctx, a);
  const full = a.values.full === true;
  const unlock = await repo.lock('shared', full ? 'verify --full' : 'verify');
  try {
    const r = await repo.verify({ full });
    if (jsonWanted(a)) {
      ctx.output(JSON.stringify({ verify: r }, null, 2) + '\n');
    } else {
      for (const p of r.problems) ctx.error(p.message);
      ctx.print(`${full ? 'Full' : 'Quick'} verify of ${repo.storage.location}: ${verifyCounts(r)}, ${r.problems.length ? `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}` : 'no problems'}.`);
    }
    return r.problems.length ? 5 : 0;
  } finally {
    await unlock();
  }
}

function verifyCounts(r: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number') parts.push(`${v} ${k.replace(/([A-Z])/g, ' $1').toLowerCase()}`);
  return parts.join(', ');
}

// lvmconfig (also `lvm config` and `lvm dumpconfig`): the configuration, its defaults, or the
// difference, whole or by setting; --validate and --file as lvm2's.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Ctx } from '../ops/context.ts';
import { fail } from '../ops/context.ts';
import { dumpConfig, type ConfigDumpType } from '../ops/config-dump.ts';

const TYPES: string[] = ['current', 'default', 'diff', 'full', 'missing'] satisfies ConfigDumpType[];
const isDumpType = (t: string): t is ConfigDumpType => TYPES.includes(t);

export async function run(ctx: Ctx): Promise<number> {
  // lvm2 takes --type here as --typeconfig.
  const given = ctx.opt('typeconfig') ?? ctx.opt('type');
  const type = given ?? (ctx.has('list') ? 'list' : 'current');
  const usage = `Run \`${ctx.args.command} --help' for more information.`;
  if (given !== undefined && ctx.has('validate')) fail(['Only one of --type and --validate permitted.', usage], 3);
  if (given !== undefined && ctx.has('list')) fail(['Only one of --type and --list permitted.', usage], 3);
  if (type !== 'current' && type !== 'full' && ctx.has('mergedconfig')) fail(['--mergedconfig has no effect without --type current or --type full', usage], 3);
  // Settings were checked as the configuration was read: what ulvm reads is valid by then.
  if (ctx.has('validate')) {
    ctx.print('LVM configuration valid.');
    return 0;
  }
  if (!isDumpType(type)) fail(`lvmconfig --type ${type} is not supported by ulvm.`, 5, 'INVALID_ARGUMENT');
  const r = dumpConfig(ctx, { type, paths: ctx.args.positionals, merged: ctx.has('mergedconfig'), withSpaces: ctx.has('withspaces') });
  const file = ctx.opt('file');
  if (file) writeFileSync(resolve(ctx.run.cwd, file), r.text);
  else ctx.run.io.out(r.text);
  for (const p of r.notFound) ctx.error(`Configuration node ${p} not found`);
  return r.notFound.length ? 5 : 0;
}

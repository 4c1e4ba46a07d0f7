// The backup subcommands' options, parsed with node:util's parseArgs (GNU style: --opt VALUE,
// --opt=VALUE, options anywhere); unknown options and missing values are lvm2-style rc 3 errors.
import { parseArgs } from 'node:util';
import { fail } from '../../ops/context.ts';

const OPTIONS = {
  repo: { type: 'string' },
  'passphrase-file': { type: 'string' },
  'key-file': { type: 'string' },
  'chunk-size': { type: 'string' },
  hook: { type: 'string', multiple: true },
  'hook-pre': { type: 'string' },
  'hook-post': { type: 'string' },
  postgres: { type: 'string' },
  'cow-size': { type: 'string' },
  'expected-duration': { type: 'string' },
  'keep-snapshot': { type: 'boolean' },
  tag: { type: 'string', multiple: true },
  'dry-run': { type: 'boolean' },
  reportformat: { type: 'string' },
  progress: { type: 'string' },
  parallel: { type: 'string' },
  differential: { type: 'boolean' },
  full: { type: 'boolean' },
  socket: { type: 'string' },
  port: { type: 'string' },
  overlay: { type: 'string' },
  'read-write': { type: 'boolean' },
  'keep-last': { type: 'string' },
  'keep-hourly': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
  gc: { type: 'boolean' },
  wait: { type: 'string' },
  audit: { type: 'string' },
  'cheap-kdf': { type: 'boolean' },
} as const;

export type BackupArgs = ReturnType<typeof parse>;

function parse(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
}

export function parseBackupArgs(sub: string, args: string[]): BackupArgs {
  try {
    return parse(args);
  } catch (e) {
    fail([(e as Error).message.replace(/\. To specify a positional argument.*$/s, '.'), `Run \`ulvm backup --help' for more information.`], 3, 'INVALID_ARGUMENT', { detail: `ulvm backup ${sub}` });
  }
}

/** A count option (`--keep-daily 7`): a whole number ≥ 0. */
export function countOpt(a: BackupArgs, name: keyof BackupArgs['values']): number | undefined {
  const v = a.values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) fail([`Invalid argument for --${String(name)}: ${String(v)}`, 'Error during parsing of command line.'], 3, 'INVALID_ARGUMENT');
  return Number(v);
}

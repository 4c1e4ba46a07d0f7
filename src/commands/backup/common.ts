// What every backup subcommand needs: the repository (location and key from options or the
// environment), a library session on the same devices and daemon as lvm2's commands, sizes in
// lvm2's syntax, and the progress display.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { Session } from '../../api/session.ts';
import { systemPaths } from '../../metadata/paths.ts';
import { parseSizeArg } from '../../ops/sizes.ts';
import { repoKey, repoLocation, repoStorage } from '../../backup/location.ts';
import { Repository } from '../../backup/repo/repository.ts';
import { progressSink, type ProgressSink } from '../../backup/progress.ts';
import { ProcessIo } from '../../ops/io.ts';
import type { BackupArgs } from './args.ts';

export function repoArgs(a: BackupArgs) {
  return {
    ...(a.values.repo !== undefined ? { repo: a.values.repo } : {}),
    ...(a.values['passphrase-file'] !== undefined ? { passphraseFile: a.values['passphrase-file'] } : {}),
    ...(a.values['key-file'] !== undefined ? { keyFile: a.values['key-file'] } : {}),
  };
}

export async function openRepo(ctx: Ctx, a: BackupArgs): Promise<Repository> {
  const where = repoLocation(repoArgs(a), ctx.run.env, ctx.run.cwd);
  return Repository.open(repoStorage(where), repoKey(repoArgs(a), ctx.run.env, ctx.run.cwd));
}

/** A library session over the same state folders, devices file and daemon as this command's. */
export function sessionFor(ctx: Ctx): Session {
  const p = systemPaths(ctx.run.env, ctx.run.uid);
  return new Session({ systemDir: p.systemDir, runDir: p.runDir, cwd: ctx.run.cwd, activation: ctx.activator, opener: ctx.run.opener });
}

export function runDirOf(ctx: Ctx): string {
  return systemPaths(ctx.run.env, ctx.run.uid).runDir;
}

/** lvm2's size syntax (default unit MiB, `4m`, `1g`) in bytes. */
export function sizeBytes(text: string, option: string): number {
  const r = parseSizeArg(text, 'm');
  if (!r.ok || r.sign) fail([r.ok ? 'Size may not have a sign here.' : (r.message ?? "Can't parse size argument."), `Invalid argument for --${option}: ${text}`, 'Error during parsing of command line.'], 3, 'INVALID_ARGUMENT');
  return r.sectors * 512;
}

export function progressFor(ctx: Ctx, a: BackupArgs, label: string): ProgressSink {
  const mode = (a.values.progress ?? 'auto') as 'auto' | 'bar' | 'json' | 'none';
  if (!['auto', 'bar', 'json', 'none'].includes(mode)) fail([`Invalid argument for --progress: ${mode}`, 'Use auto, bar, json or none.'], 3, 'INVALID_ARGUMENT');
  const real = ctx.run.io instanceof ProcessIo;
  const stream = real ? process.stderr : { write: (s: string) => ctx.run.io.err(s) };
  return progressSink(mode, stream, real && process.stderr.isTTY === true, label);
}

export function jsonWanted(a: BackupArgs): boolean {
  const f = a.values.reportformat;
  if (f === undefined || f === 'basic') return false;
  if (f === 'json') return true;
  fail([`Invalid report format ${f}.`, 'Use basic or json.'], 3, 'INVALID_ARGUMENT');
}

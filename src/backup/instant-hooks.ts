// The hooks a backup command line asks for, in the order they run before the instant (PostgreSQL
// last, so its backup mode is as short as it can be; commands first, e.g. to flush an
// application's buffers), and in reverse after it. The daemon freezes mounted filesystems inside
// the hold itself, so fsfreeze needs no hook.
import { commandHook, postgresHook, type BackupHook } from './hooks.ts';

export interface HookArgs {
  pre?: string;
  post?: string;
  /** A psql connection string (`host=/run/pg port=5433 dbname=app user=postgres`, `postgresql://…`). */
  postgres?: string;
  label?: string;
}

export function instantHooks(a: HookArgs): BackupHook[] {
  const hooks: BackupHook[] = [];
  if (a.pre !== undefined || a.post !== undefined) hooks.push(commandHook(a.pre, a.post));
  if (a.postgres !== undefined) hooks.push(postgresHook({ connection: a.postgres, label: a.label ?? 'ulvm backup' }));
  return hooks;
}

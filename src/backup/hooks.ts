// Hooks around a backup's snapshot instant: a command (sh -c) before and after, and PostgreSQL's
// non-exclusive backup (pg_backup_start before, pg_backup_stop after, in one session: PostgreSQL
// ends a non-exclusive backup whose session goes). A hook that fails before the instant aborts
// the backup with nothing snapshotted; one that fails after it marks its result failed, and the
// caller decides what the copy is worth. The daemon's own fsfreeze of mounted filesystems is
// reported as hook results too (fsfreezeResults).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { UlvmError } from '../errors.ts';
import type { HookResult } from './types.ts';

export interface BackupHook {
  readonly kind: string;
  readonly what: string;
  /** Before the instant; a result with ok false (or a throw) aborts the backup. */
  pre(): Promise<HookResult>;
  /** After the instant, or after an abort (a hook whose pre ran or failed cleans up here). */
  post(): Promise<HookResult>;
  /** PostgreSQL's backup_label, once post has run. */
  readonly backupLabel?: string;
}

/** A pre hook failed: nothing was snapshotted. `results` has every hook's result up to the abort (posts included). */
export class HookFailedError extends UlvmError {
  constructor(
    message: string,
    readonly results: HookResult[],
  ) {
    super('BACKUP_HOOK_FAILED', message.split('\n'), 5, { detail: message });
  }
}

/** Output kept in a result (a chatty command's log is not a backup's business). */
const MAX_OUTPUT = 64 * 1024;
const clip = (s: string) => (s.length > MAX_OUTPUT ? `${s.slice(0, MAX_OUTPUT)}\n[… ${s.length - MAX_OUTPUT} more characters]` : s);

const since = (t0: number) => Math.round((performance.now() - t0) * 1000) / 1000;

/**
 * Runs the pre hooks in order, the instant, then the post hooks in reverse order (every hook
 * whose pre was tried gets its post, also when a later pre or the instant failed).
 */
export async function aroundInstant<T>(hooks: readonly BackupHook[], instant: () => Promise<T>): Promise<{ value: T; results: HookResult[]; backupLabel?: string }> {
  const results: HookResult[] = [];
  const tried: BackupHook[] = [];
  const posts = async () => {
    for (const h of [...tried].reverse()) results.push(await safely(h, 'post', () => h.post()));
  };
  for (const h of hooks) {
    tried.push(h);
    const r = await safely(h, 'pre', () => h.pre());
    results.push(r);
    if (!r.ok) {
      await posts();
      const out = r.output?.trim();
      throw new HookFailedError(`Backup hook ${h.kind} "${h.what}" failed before the snapshot; nothing was snapshotted.${out ? `\n${out}` : ''}`, results);
    }
  }
  let value: T;
  try {
    value = await instant();
  } catch (e) {
    await posts();
    throw e;
  }
  await posts();
  const label = hooks.find((h) => h.backupLabel !== undefined)?.backupLabel;
  return { value, results, ...(label !== undefined ? { backupLabel: label } : {}) };
}

async function safely(h: BackupHook, phase: 'pre' | 'post', fn: () => Promise<HookResult>): Promise<HookResult> {
  const t0 = performance.now();
  try {
    return await fn();
  } catch (e) {
    return { kind: h.kind, what: h.what, phase, ok: false, durationMs: since(t0), output: (e as Error).message };
  }
}

/** Runs `sh -c command`; its stdout and stderr together are the output. */
function sh(command: string, env?: Record<string, string>): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * A command before the instant (a non-zero exit aborts the backup, its stderr in the error) and
 * one after it (run whatever happened, its failure marked in its result).
 */
export function commandHook(pre: string | undefined, post?: string, o: { env?: Record<string, string> } = {}): BackupHook {
  const what = [pre, post].filter((x) => x !== undefined).join(' / ');
  const run = async (phase: 'pre' | 'post', command: string | undefined): Promise<HookResult> => {
    const t0 = performance.now();
    if (command === undefined) return { kind: 'command', what, phase, ok: true, durationMs: 0 };
    const r = await sh(command, o.env);
    const ok = r.code === 0;
    const status = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.code}`;
    const output = ok ? `${r.stdout}${r.stderr}` : `${command}: ${status}${r.stderr ? `\n${r.stderr.trimEnd()}` : ''}`;
    return { kind: 'command', what: command, phase, ok, durationMs: since(t0), ...(output ? { output: clip(output) } : {}) };
  };
  return { kind: 'command', what, pre: () => run('pre', pre), post: () => run('post', post) };
}

/** Reports the daemon's fsfreeze of the filesystems on the snapshotted LVs as results (they were frozen for the hold). */
export function fsfreezeResults(frozen: readonly string[], holdMs: number): HookResult[] {
  return frozen.flatMap((mp) => [
    { kind: 'fsfreeze', what: mp, phase: 'pre' as const, ok: true, durationMs: holdMs },
    { kind: 'fsfreeze', what: mp, phase: 'post' as const, ok: true, durationMs: 0 },
  ]);
}

export interface PostgresHookOptions {
  /** psql's program (default `psql` on the PATH). */
  psql?: string;
  /** Connection arguments for psql (`-h`, `-p`, `-U`, a database name …). */
  args?: string[];
  /** Or a connection string (`postgresql://…` or `host=… dbname=…`), passed as psql's -d. */
  connection?: string;
  /** The backup's label (pg_backup_start's first argument). */
  label: string;
  env?: Record<string, string>;
  /** How long one statement may take (default 5 minutes: pg_backup_start waits for a checkpoint). */
  timeoutMs?: number;
}

/** One psql process kept open: statements in on stdin, each answer read up to a marker line. */
class PsqlSession {
  private readonly p: ChildProcessWithoutNullStreams;
  private buf = '';
  private stderr = '';
  private exited: string | undefined;
  private waiting: { marker: string; resolve: (lines: string[]) => void; reject: (e: Error) => void } | undefined;
  private readonly tag = randomBytes(8).toString('hex');
  private n = 0;

  constructor(psql: string, args: string[], env: Record<string, string> | undefined) {
    this.p = spawn(psql, ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    this.p.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.buf += d;
      this.answer();
    });
    this.p.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.p.stdin.on('error', () => undefined);
    this.p.on('error', (e) => this.died(`psql could not run: ${e.message}`));
    this.p.on('close', (code, signal) => this.died(`psql ended (${signal ? `signal ${signal}` : `status ${code}`})`));
  }

  private answer(): void {
    const w = this.waiting;
    if (!w) return;
    const at = this.buf.indexOf(`${w.marker}\n`);
    if (at < 0) return;
    const text = this.buf.slice(0, at);
    this.buf = this.buf.slice(at + w.marker.length + 1);
    this.waiting = undefined;
    w.resolve(text.split('\n').filter((l) => l !== ''));
  }

  private died(why: string): void {
    this.exited ??= why;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(new Error(`${why}${this.stderr ? `: ${this.stderr.trim()}` : ''}`));
  }

  /** The rows of one statement (psql's unaligned, tuples-only output). */
  query(sql: string, timeoutMs: number): Promise<string[]> {
    if (this.exited) return Promise.reject(new Error(`${this.exited}${this.stderr ? `: ${this.stderr.trim()}` : ''}`));
    const marker = `__ulvm_${this.tag}_${++this.n}__`;
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`PostgreSQL did not answer within ${timeoutMs} ms: ${sql}`));
      }, timeoutMs);
      this.waiting = {
        marker,
        resolve: (l) => (clearTimeout(timer), resolve(l)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.p.stdin.write(`${sql};\n\\echo ${marker}\n`);
    });
  }

  /** Ends the session (psql's \q), killing psql if it does not go. */
  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.p.once('close', () => r()));
    this.p.stdin.end('\\q\n');
    const t = setTimeout(() => this.p.kill('SIGTERM'), 5000);
    await gone;
    clearTimeout(t);
  }
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const unhex = (h: string) => Buffer.from(h, 'hex').toString('utf8');

/**
 * PostgreSQL (15 and later) in backup mode over the instant: pg_backup_start(label, fast) before,
 * pg_backup_stop after, both in one psql session. `backupLabel` is then the backup_label file's
 * text, which must go with the backup (a restore puts it in the data directory).
 */
export function postgresHook(o: PostgresHookOptions): BackupHook & { readonly backupLabel?: string; readonly tablespaceMap?: string } {
  const args = [...(o.args ?? []), ...(o.connection !== undefined ? ['-d', o.connection] : [])];
  const what = o.connection ?? (args.join(' ') || 'postgres');
  const timeout = o.timeoutMs ?? 5 * 60_000;
  let session: PsqlSession | undefined;
  let started = false;
  const hook = {
    kind: 'postgres',
    what,
    backupLabel: undefined as string | undefined,
    tablespaceMap: undefined as string | undefined,
    async pre(): Promise<HookResult> {
      const t0 = performance.now();
      session = new PsqlSession(o.psql ?? 'psql', args, o.env);
      try {
        const [lsn] = await session.query(`SELECT pg_backup_start(${quote(o.label)}, true)`, timeout);
        started = true;
        return { kind: 'postgres', what, phase: 'pre', ok: true, durationMs: since(t0), output: `pg_backup_start: ${lsn ?? ''}` };
      } catch (e) {
        return { kind: 'postgres', what, phase: 'pre', ok: false, durationMs: since(t0), output: `pg_backup_start failed: ${(e as Error).message}` };
      }
    },
    async post(): Promise<HookResult> {
      const t0 = performance.now();
      const s = session;
      session = undefined;
      if (!s) return { kind: 'postgres', what, phase: 'post', ok: false, durationMs: 0, output: 'no PostgreSQL session (pre did not run)' };
      try {
        if (!started) return { kind: 'postgres', what, phase: 'post', ok: true, durationMs: since(t0), output: 'no backup was started' };
        // Hex, so the label's lines come back as one row.
        const rows = await s.query(`SELECT encode(convert_to(labelfile, 'UTF8'), 'hex') || '|' || encode(convert_to(coalesce(spcmapfile, ''), 'UTF8'), 'hex') FROM pg_backup_stop(true)`, timeout);
        const [label, map] = (rows[0] ?? '').split('|');
        if (!label) throw new Error('pg_backup_stop returned no backup label');
        hook.backupLabel = unhex(label);
        if (map) hook.tablespaceMap = unhex(map);
        return { kind: 'postgres', what, phase: 'post', ok: true, durationMs: since(t0), output: hook.backupLabel };
      } catch (e) {
        return { kind: 'postgres', what, phase: 'post', ok: false, durationMs: since(t0), output: `pg_backup_stop failed: ${(e as Error).message}` };
      } finally {
        started = false;
        await s.close();
      }
    },
  };
  return hook;
}

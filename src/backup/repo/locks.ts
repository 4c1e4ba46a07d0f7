// Repository locks, as objects `locks/<id>`: backups hold 'shared' ones (many at once), prune and
// gc an 'exclusive' one (alone). To take a lock a process writes its own lock object first and then
// lists the others: of two racing writers at least one sees the other and backs off, so two
// conflicting holders never both proceed. A lock is stale, and removed by whoever meets it, when its
// process is gone (same host, pid not running) or it was not refreshed for staleMs; holders refresh
// theirs well inside that. Locks are plain JSON except `what` (it may name volumes): sealed.
import { hostname } from 'node:os';
import type { RepoStorage } from '../types.ts';
import { randomHex, seal, unseal } from './crypto.ts';
import { repoFail } from './errors.ts';

export type LockKind = 'shared' | 'exclusive';

interface LockObject {
  version: 1;
  kind: LockKind;
  host: string;
  pid: number;
  /** Unix ms when taken and last refreshed. */
  since: number;
  refreshed: number;
  what: string;
}

export interface LockOptions {
  /** How long to wait for conflicting locks to go (polling); 0: fail at once. */
  waitMs?: number;
  pollMs?: number;
  /** A lock not refreshed for this long is stale (restic: 30 minutes). */
  staleMs?: number;
}

export const DEFAULT_STALE_MS = 30 * 60 * 1000;

export interface HeldLock {
  kind: LockKind;
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but is someone else's.
    return (e as { code?: string }).code === 'EPERM';
  }
}

export class RepoLocks {
  constructor(
    private readonly storage: RepoStorage,
    private readonly encKey: Uint8Array,
  ) {}

  private object(id: string, kind: LockKind, what: string, since: number): Buffer {
    const o: LockObject = {
      version: 1,
      kind,
      host: hostname(),
      pid: process.pid,
      since,
      refreshed: Date.now(),
      what: seal(this.encKey, `lock:${id}`, Buffer.from(what)).toString('base64'),
    };
    return Buffer.from(JSON.stringify(o));
  }

  private readWhat(id: string, o: LockObject): string {
    try {
      return unseal(this.encKey, `lock:${id}`, Buffer.from(o.what, 'base64')).toString('utf8');
    } catch {
      return '?';
    }
  }

  /** The first live lock that conflicts with taking `kind`; stale ones are deleted on the way. */
  private async conflict(kind: LockKind, own: string, staleMs: number): Promise<(LockObject & { id: string }) | undefined> {
    for (const key of await this.storage.list('locks/')) {
      const id = key.slice('locks/'.length);
      if (id === own) continue;
      const bytes = await this.storage.get(key);
      if (!bytes) continue;
      let o: LockObject;
      try {
        o = JSON.parse(Buffer.from(bytes).toString('utf8')) as LockObject;
      } catch {
        // Lock objects are written atomically, so garbage here is not a lock anyone holds.
        await this.storage.delete(key);
        continue;
      }
      const stale = (o.host === hostname() && !pidAlive(o.pid)) || Date.now() - o.refreshed > staleMs;
      if (stale) {
        await this.storage.delete(key);
        continue;
      }
      if (kind === 'exclusive' || o.kind === 'exclusive') return { ...o, id };
    }
    return undefined;
  }

  async acquire(kind: LockKind, what: string, o: LockOptions = {}): Promise<HeldLock> {
    const staleMs = o.staleMs ?? DEFAULT_STALE_MS;
    const pollMs = o.pollMs ?? 200;
    const deadline = Date.now() + (o.waitMs ?? 0);
    const id = randomHex(16);
    const key = `locks/${id}`;
    const since = Date.now();
    for (;;) {
      await this.storage.put(key, this.object(id, kind, what, since));
      let holder: (LockObject & { id: string }) | undefined;
      try {
        holder = await this.conflict(kind, id, staleMs);
      } catch (e) {
        await this.storage.delete(key).catch(() => undefined);
        throw e;
      }
      if (!holder) break;
      await this.storage.delete(key);
      const left = deadline - Date.now();
      if (left <= 0) {
        const w = this.readWhat(holder.id, holder);
        repoFail(
          'BACKUP_LOCKED',
          `Repository ${this.storage.location} is locked (${holder.kind}) by ${w} on host ${holder.host}, pid ${holder.pid}, since ${new Date(holder.since).toISOString()}.`,
          { repo: this.storage.location, holder: { host: holder.host, pid: holder.pid, what: w, since: holder.since, kind: holder.kind } },
        );
      }
      // Jitter, so two exclusive lockers backing off from each other do not keep colliding.
      await sleep(Math.min(left, pollMs * (0.5 + Math.random())));
    }
    let refreshing: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      refreshing = this.storage.put(key, this.object(id, kind, what, since)).catch(() => undefined);
    }, Math.max(10, Math.floor(staleMs / 6)));
    timer.unref();
    let released = false;
    return {
      kind,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await refreshing;
        await this.storage.delete(key);
      },
    };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

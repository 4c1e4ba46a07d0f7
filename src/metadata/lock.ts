// Serialises ulvm commands: a global lock for PV/VG creation and removal, one lock per VG for changes.
// Lock files live under $ULVM_RUN_DIR/lock with lvm2's names (P_global, V_<vg>).
//
// Node has no flock(2), and lock libraries built on mkdir + mtime polling cost a command tens of
// milliseconds of timers; here a lock is a file holding the owner's pid, put in place with
// link(2), which fails if the lock exists and never shows the file without its pid. A lock whose
// owner no longer runs is stale and is taken over. Waiting is timed (awaited), and global/wait_for_locks = 0
// turns a held lock into lvm2's non-blocking failure.
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UlvmError, type UlvmErrorCode, type UlvmErrorData } from '../errors.ts';

/** A lock that could not be taken: held by another command (LOCK_TIMEOUT) or the lock dir failing. */
export class LockError extends UlvmError {
  constructor(message: string | string[], code: UlvmErrorCode = 'LOCK_TIMEOUT', data: UlvmErrorData = {}) {
    super(code, Array.isArray(message) ? message : [message], 5, data);
  }
}

const WAIT_MS = 5;
const TIMEOUT_MS = 60_000;

/** Awaited, so a command waiting for a lock never stalls the event loop it may share (the daemon's). */
const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

export interface LockOptions {
  /** lvm2's global/wait_for_locks: false makes a held lock an immediate failure. */
  wait?: boolean;
  /** Called once each lock is newly taken (the command's scan may predate it). */
  onTaken?: () => Promise<void>;
}

function ownerAlive(file: string): boolean {
  let pid: number;
  try {
    pid = parseInt(readFileSync(file, 'utf8'), 10);
  } catch {
    return true; // vanished or being written: try again
  }
  if (!Number.isFinite(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class Locks {
  private held = new Set<string>();
  private readonly wait: boolean;
  private readonly onTaken?: () => Promise<void>;
  constructor(
    private readonly dir: string,
    opts: LockOptions = {},
  ) {
    this.wait = opts.wait ?? true;
    this.onTaken = opts.onTaken;
  }

  /** Takes lock `name`; false when another live command holds it and waiting is off. */
  private async take(name: string): Promise<boolean> {
    if (this.held.has(name)) return true;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${name}.lock`);
    const deadline = Date.now() + TIMEOUT_MS;
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
    try {
      for (;;) {
        try {
          linkSync(mine, file);
          this.held.add(name);
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LockError(`Failed to lock ${name}: ${(e as Error).message}`, 'FAILED', { lock: name });
        }
        if (!ownerAlive(file)) {
          try {
            unlinkSync(file);
          } catch {
            /* someone else removed it first */
          }
          // Two waiters may both have judged it stale: stagger their retries.
          await sleep(1 + (process.pid % 7));
          continue;
        }
        if (!this.wait) return false;
        if (Date.now() > deadline) throw new LockError(`Timed out waiting for lock ${name} in ${this.dir}.`, 'LOCK_TIMEOUT', { lock: name });
        await sleep(WAIT_MS);
      }
    } finally {
      unlinkSync(mine);
    }
  }

  /**
   * lvm2's words for a lock it may not wait for (its flock with LOCK_NB failing): the path is
   * lvm2's name of the lock (ulvm's file adds ".lock").
   */
  private busyLine(name: string): string {
    return `${join(this.dir, name)}: flock failed: Resource temporarily unavailable`;
  }

  /** Whether another command is holding a VG's lock right now (it may be mid-commit). */
  vgBusy(name: string): boolean {
    return !this.held.has(`V_${name}`) && existsSync(join(this.dir, `V_${name}.lock`));
  }

  private async taken(name: string): Promise<boolean> {
    if (this.held.has(name)) return true;
    if (!(await this.take(name))) return false;
    await this.onTaken?.();
    return true;
  }

  async global(): Promise<void> {
    if (!(await this.taken('P_global'))) throw new LockError([this.busyLine('P_global')], 'LOCK_TIMEOUT', { lock: 'P_global' });
  }

  /**
   * Locks VG `name`. As lvm2's toollib, a refusal also says the VG was not processed, except
   * for a VG being created (`creating`), which lvm2 locks outside that loop.
   */
  async vg(name: string, opts: { creating?: boolean } = {}): Promise<void> {
    if (await this.taken(`V_${name}`)) return;
    const lines = [this.busyLine(`V_${name}`), `Can't get lock for ${name}.`];
    if (!opts.creating) lines.push(`Cannot process volume group ${name}`);
    throw new LockError(lines, 'LOCK_TIMEOUT', { lock: `V_${name}`, vg: name });
  }

  async releaseAll(): Promise<void> {
    for (const name of [...this.held].reverse()) {
      try {
        unlinkSync(join(this.dir, `${name}.lock`));
      } catch {
        /* already gone */
      }
    }
    this.held.clear();
  }
}

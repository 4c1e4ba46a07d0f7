// Serialises ulvm commands: a global lock for PV/VG creation and removal, one lock per VG for changes.
// Lock files live under $ULVM_RUN_DIR/lock with lvm2's names (P_global, V_<vg>).
//
// Node has no flock(2), and lock libraries built on mkdir + mtime polling cost a command tens of
// milliseconds of timers; here a lock is a file holding the owner's pid, put in place with
// link(2), which fails if the lock exists and never shows the file without its pid. A lock whose
// owner no longer runs is stale and is taken over.
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

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
  constructor(private readonly dir: string) {}

  private take(name: string): void {
    if (this.held.has(name)) return;
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
          return;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LockError(`Failed to lock ${name}: ${(e as Error).message}`);
        }
        if (!ownerAlive(file)) {
          try {
            unlinkSync(file);
          } catch {
            /* someone else removed it first */
          }
          // Two waiters may both have judged it stale: stagger their retries.
          sleep(1 + (process.pid % 7));
          continue;
        }
        if (Date.now() > deadline) throw new LockError(`Timed out waiting for lock ${name} in ${this.dir}.`);
        sleep(WAIT_MS);
      }
    } finally {
      unlinkSync(mine);
    }
  }

  /** Whether another command is holding a VG's lock right now (it may be mid-commit). */
  vgBusy(name: string): boolean {
    return !this.held.has(`V_${name}`) && existsSync(join(this.dir, `V_${name}.lock`));
  }

  async global(): Promise<void> {
    this.take('P_global');
  }

  async vg(name: string): Promise<void> {
    this.take(`V_${name}`);
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

// Serialises ulvm commands: a global lock for PV/VG creation and removal, one lock per VG for changes.
// Lock files live under $ULVM_RUN_DIR/lock and follow lvm2's names (P_global, V_<vg>).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { writeFileSync } from 'node:fs';

export class LockError extends Error {}

export class Locks {
  private held = new Map<string, () => Promise<void>>();
  constructor(private readonly dir: string) {}

  private async take(name: string): Promise<void> {
    if (this.held.has(name)) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, name);
    writeFileSync(file, '', { flag: 'a', mode: 0o600 });
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        stale: 30000,
        retries: { retries: 600, minTimeout: 5, maxTimeout: 100, factor: 1.5 },
      });
      this.held.set(name, release);
    } catch (e) {
      throw new LockError(`Failed to lock ${name}: ${(e as Error).message}`);
    }
  }

  /** Whether another command is holding a VG's lock right now (it may be mid-commit). */
  vgBusy(name: string): boolean {
    return !this.held.has(`V_${name}`) && existsSync(join(this.dir, `V_${name}.lock`));
  }

  global(): Promise<void> {
    return this.take('P_global');
  }

  vg(name: string): Promise<void> {
    return this.take(`V_${name}`);
  }

  async releaseAll(): Promise<void> {
    const all = [...this.held.values()].reverse();
    this.held.clear();
    for (const r of all) await r().catch(() => undefined);
  }
}

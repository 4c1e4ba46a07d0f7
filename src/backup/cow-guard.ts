// A guard over a classic snapshot while a backup reads it: its exception store fills as the
// origin is written, and a full store invalidates the snapshot (the kernel's and ulvm's alike) —
// the copy read so far would then mix two instants. The guard polls the store's usage and
// extends it before it fills (as dmeventd's snapshot plugin would with autoextend on); if it
// overflows anyway, check() throws and the backup must not be stored.
import type { Session } from '../api/session.ts';
import type { LvView } from '../api/views.ts';
import { UlvmError } from '../errors.ts';

export interface CowGuardOptions {
  /** Extend when the store is at least this full (percent). */
  thresholdPercent: number;
  /** By how much of its size to extend it (percent, as lvextend -l +N%LV). */
  extendPercent: number;
  intervalMs: number;
  /** Told of each extension (and of each that failed). */
  onEvent?: (e: CowGuardEvent) => void;
}

export type CowGuardEvent =
  | { type: 'extended'; percent: number; fromBytes: number; toBytes: number }
  | { type: 'extend-failed'; percent: number; error: string }
  | { type: 'overflowed' };

export interface CowGuard {
  /** Throws BACKUP_SNAPSHOT_OVERFLOW once the snapshot was seen invalid (LV_NOT_FOUND once it went). Call it after stop() too, before storing. */
  check(): void;
  /** Stops polling after one last look; what the guard did. */
  stop(): Promise<{ extensions: number; finalPercent: number; events: CowGuardEvent[] }>;
}

/** lv_attr's fifth character: 'I' for an invalid (overflowed) snapshot. */
const invalid = (lv: LvView) => lv.attr[4] === 'I';

export function startCowGuard(session: Session, vg: string, snapshotName: string, o: CowGuardOptions): CowGuard {
  if (!(o.intervalMs > 0) || !(o.extendPercent > 0) || !(o.thresholdPercent > 0 && o.thresholdPercent <= 100))
    throw new UlvmError('INVALID_ARGUMENT', [`Invalid snapshot guard settings: threshold ${o.thresholdPercent}%, extend by ${o.extendPercent}%, every ${o.intervalMs} ms.`], 3);
  const events: CowGuardEvent[] = [];
  const note = (e: CowGuardEvent) => {
    events.push(e);
    o.onEvent?.(e);
  };
  let extensions = 0;
  let percent = 0;
  let overflowed = false;
  let stopped = false;
  let gone = false;
  // A store as big as it can usefully be (every origin chunk fits) is not extended again.
  let atMax = false;
  let timer: NodeJS.Timeout | undefined;
  // One poll at a time: an extension can take longer than the interval.
  let running: Promise<void> = Promise.resolve();

  const poll = async (): Promise<void> => {
    let lv: LvView | undefined;
    try {
      lv = (await session.listLvs(vg)).find((l) => l.name === snapshotName);
    } catch {
      // A listing that failed (a lock held too long) says nothing about the store: next round.
      return;
    }
    if (!lv) {
      gone = true;
      return;
    }
    if (invalid(lv)) {
      if (!overflowed) note({ type: 'overflowed' });
      overflowed = true;
      percent = 100;
      return;
    }
    percent = lv.dataPercent ?? 0;
    if (percent < o.thresholdPercent || stopped || atMax) return;
    try {
      const grown = await session.extendLv({ vg, lv: snapshotName, extents: `+${o.extendPercent}%LV` });
      if (grown.size <= lv.size) {
        atMax = true;
        return;
      }
      extensions++;
      note({ type: 'extended', percent, fromBytes: lv.size, toBytes: grown.size });
      percent = grown.dataPercent ?? percent;
    } catch (e) {
      note({ type: 'extend-failed', percent, error: (e as Error).message });
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = running.then(poll).finally(schedule);
    }, o.intervalMs);
  };
  running = running.then(poll).finally(schedule);

  return {
    check() {
      if (overflowed)
        throw new UlvmError('BACKUP_SNAPSHOT_OVERFLOW', [`Snapshot ${vg}/${snapshotName} overflowed during the backup: the copy would be inconsistent; nothing was stored as a backup.`], 5, { vg, lv: snapshotName });
      if (gone) throw new UlvmError('LV_NOT_FOUND', [`Snapshot ${vg}/${snapshotName} went away during the backup; nothing was stored as a backup.`], 5, { vg, lv: snapshotName });
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      // The last look: an overflow since the last poll must not go unseen.
      await poll();
      return { extensions, finalPercent: percent, events: [...events] };
    },
  };
}

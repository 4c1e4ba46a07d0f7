// lvmpolld's part in a snapshot merge: once the daemon's merge is done, the snapshot must leave the
// metadata even when no command is polling it any more (lvconvert interrupted, `-b`, a merge
// resumed by an activation or by a daemon restart). A command waiting for the merge does that
// itself and prints lvm2's messages; the daemon steps in only when nobody waits, by running
// `lvpoll --polloperation merge VG/LV` inside itself, as lvmpolld runs `lvm lvpoll`.
import type { ActivationEngine } from '../activation/engine.ts';
import { Locks } from '../metadata/lock.ts';
import type { SnapshotWatch } from './server.ts';

/** How long a command that was just told the merge is done has to drop the snapshot itself. */
const GRACE_MS = 1000;
const RETRY_MS = 500;

export interface MergeFinisher {
  /** The engine finished a merge. */
  done(vgName: string, originName: string, devices: string[]): void;
  /** A command waits for a merge; call the result when its connection goes. */
  polling(vgName: string, originName: string, devices: string[]): () => void;
}

export function mergeFinisher(engine: ActivationEngine, log: (m: string) => void, watch: SnapshotWatch | undefined): MergeFinisher {
  const pollers = new Map<string, number>();
  const scheduled = new Set<string>();

  const later = (vgName: string, originName: string, devices: string[], ms: number): void => {
    const key = `${vgName}/${originName}`;
    if (!watch || pollers.get(key) || scheduled.has(key)) return;
    scheduled.add(key);
    const timer = setTimeout(() => {
      scheduled.delete(key);
      void (async () => {
        if (pollers.get(key)) return;
        const a = (await engine.status()).find((x) => x.vgName === vgName && x.lvName === originName);
        // Not done yet (done() comes later), or someone dropped the snapshot already.
        if (!a?.mergedCowId) return;
        // A command holding the VG's lock may be waiting on this daemon: try again shortly.
        if (new Locks(watch.lockDir).vgBusy(vgName)) return later(vgName, originName, devices, RETRY_MS);
        try {
          const r = await watch.pollMerge(vgName, originName, devices, engine);
          log(`merge of ${key} finished by the daemon (rc ${r.rc}): ${r.messages.join(' | ')}`);
        } catch (e) {
          log(`merge of ${key}: could not drop the merged snapshot: ${(e as Error).message}`);
        }
      })();
    }, ms);
    timer.unref();
  };

  return {
    done: (vgName, originName, devices) => later(vgName, originName, devices, GRACE_MS),
    polling: (vgName, originName, devices) => {
      const key = `${vgName}/${originName}`;
      pollers.set(key, (pollers.get(key) ?? 0) + 1);
      let left = false;
      return () => {
        if (left) return;
        left = true;
        const n = (pollers.get(key) ?? 1) - 1;
        if (n > 0) pollers.set(key, n);
        else {
          pollers.delete(key);
          later(vgName, originName, devices, GRACE_MS);
        }
      };
    },
  };
}

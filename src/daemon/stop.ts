// What `daemon stop` answers, and which LVs keep it from stopping.
import type { ActiveLv } from '../activation/activator.ts';

export type StopReply =
  | { stopped: true; pid: number }
  | { stopped: false; inUse: { vgName: string; lvName: string; openCount: number }[] }
  | { stopped: false; treeBusy: string };

const GRACE_MS = 1000;
const POLL_MS = 50;

/**
 * Active LVs that are open (a loop device or a file on the device tree, an NBD client). The
 * kernel lets go of a loop device's file a moment after umount or losetup -d return, so a stop
 * right after them waits that moment out (as lvm2 retries a deactivation a udev rule delays).
 */
export async function openLvs(engine: { status(): Promise<ActiveLv[]> }): Promise<ActiveLv[]> {
  const until = Date.now() + GRACE_MS;
  for (;;) {
    const busy = (await engine.status()).filter((a) => a.openCount > 0);
    if (!busy.length || Date.now() >= until) return busy;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

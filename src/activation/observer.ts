// Someone showing active LVs (the daemon's FUSE device tree, a test's mount table), fed from the
// registry's events about the LVs' visible devices, as udev's rules make /dev/VG/LV links.
import type { MappedDevice } from '../mapper/mapped-device.ts';
import type { DmDevice, DmRegistry } from '../mapper/registry.ts';

/** Keyed by `<vg id>/<lv id>`. */
export interface ActivationObserver {
  shown(key: string, vgName: string, lvName: string, target: MappedDevice, readOnly: boolean): void;
  hidden(key: string): void;
  resized(key: string): void;
  /** Opens of the LV through the observer (they count in the LV's open count). */
  opens(key: string): number;
}

/** The LV key of a visible LV device; hidden layers (`-real`, `-cow`) have none. */
export function lvKey(dev: DmDevice): string | undefined {
  return dev.owner && !dev.owner.layer ? `${dev.owner.vgId}/${dev.owner.lvId}` : undefined;
}

/**
 * An LV shows once its device has a live table (udev acts on the change event of the first
 * resume, not on the creation of a device without one), and again after each resume or rename
 * (its names and read-only flag may have changed).
 */
export function observeRegistry(registry: DmRegistry, o: ActivationObserver): void {
  const shown = new Set<string>();
  registry.countOpens((dev) => {
    const key = lvKey(dev);
    return key && shown.has(key) ? o.opens(key) : 0;
  });
  registry.subscribe((e) => {
    const key = lvKey(e.dev);
    const owner = e.dev.owner;
    if (!key || !owner) return;
    if (e.type === 'resumed' || (e.type === 'renamed' && shown.has(key))) {
      if (!e.dev.live) return;
      shown.add(key);
      o.shown(key, owner.vgName, owner.lvName, e.dev.io, e.dev.readOnly);
    } else if (e.type === 'resized' && shown.has(key)) o.resized(key);
    else if (e.type === 'removed' && shown.delete(key)) o.hidden(key);
  });
}

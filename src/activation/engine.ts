// Keeps active LVs: their mapped devices, open PV handles, NBD exports; activates, reloads live
// (suspend → load → resume), deactivates. Used in-process and inside the daemon.
import type { DeviceOpener } from '../devices/device.ts';
import { fileOpener } from '../devices/file.ts';
import { scanDevices, type FoundVg } from '../metadata/scan.ts';
import { openLv, type OpenedLv } from '../mapper/open-lv.ts';
import type { MappedDevice } from '../mapper/mapped-device.ts';
import type { Table } from '../mapper/table.ts';
import type { NbdServer } from '../nbd/server.ts';
import type { NbdExport } from '../nbd/connection.ts';
import { type ActivateRequest, ActivationError, type ActiveLv, type Activator } from './activator.ts';

interface Entry {
  vgId: string;
  vgName: string;
  lvId: string;
  lvName: string;
  devices: string[];
  minor: number;
  readOnly: boolean;
  opened: OpenedLv;
  exp: NbdExport;
}

export const DM_MAJOR = 253;

/** Someone else showing active LVs (the daemon's FUSE device tree); keyed by `<vg id>/<lv id>`. */
export interface ActivationObserver {
  shown(key: string, vgName: string, lvName: string, target: MappedDevice, readOnly: boolean): void;
  hidden(key: string): void;
  resized(key: string): void;
  /** Opens of the LV through the observer (they count in the LV's open count). */
  opens(key: string): number;
}

function tableLines(t: Table): string[] {
  return t.lines.map((l) => {
    const tg = l.target;
    if (tg.type === 'linear') return `${l.start} ${l.length} linear ${tg.area.dev.path} ${tg.area.start}`;
    if (tg.type === 'striped') return `${l.start} ${l.length} striped ${tg.areas.length} ${tg.chunkSectors} ${tg.areas.map((a) => `${a.dev.path} ${a.start}`).join(' ')}`;
    return `${l.start} ${l.length} ${tg.type}`;
  });
}

export class ActivationEngine implements Activator {
  private readonly entries = new Map<string, Entry>();

  /** Like the kernel's dm minors: the lowest number not in use. */
  private freeMinor(): number {
    const used = new Set([...this.entries.values()].map((e) => e.minor));
    let m = 0;
    while (used.has(m)) m++;
    return m;
  }

  constructor(
    private readonly opener: DeviceOpener = fileOpener,
    private readonly nbd?: NbdServer,
    private readonly onChange: () => void = () => undefined,
    private readonly observer?: ActivationObserver,
  ) {}

  private opens(key: string, e: Entry): number {
    return (e.exp.users ?? 0) + (this.observer?.opens(key) ?? 0);
  }

  private found(vgName: string, devices: string[]): FoundVg {
    const f = scanDevices(this.opener, devices).get(vgName);
    if (!f) throw new ActivationError(`Volume group "${vgName}" not found`);
    if (f.missing.size) throw new ActivationError(`Refusing activation of VG ${vgName} with missing PVs.`);
    return f;
  }

  async status(): Promise<ActiveLv[]> {
    return [...this.entries].map(([key, e]) => ({
      vgId: e.vgId,
      vgName: e.vgName,
      lvId: e.lvId,
      lvName: e.lvName,
      major: DM_MAJOR,
      minor: e.minor,
      openCount: this.opens(key, e),
      readOnly: e.readOnly,
      suspended: e.opened.device.isSuspended,
      table: tableLines(e.opened.device.table as Table),
      ...(this.nbd ? { exportName: e.exp.name } : {}),
    }));
  }

  async activate(req: ActivateRequest): Promise<void> {
    const f = this.found(req.vgName, req.devices);
    for (const name of req.lvNames) {
      const lv = f.vg.lvs.find((l) => l.name === name);
      if (!lv) throw new ActivationError(`Failed to find logical volume "${req.vgName}/${name}"`);
      const key = `${f.vg.id}/${lv.id}`;
      if (this.entries.has(key)) continue;
      const readOnly = !!req.readOnly || !lv.status.includes('WRITE');
      const opened = await openLv(f, name, { opener: this.opener, readOnly });
      const exp: NbdExport = { name: `${f.vg.name}/${lv.name}`, description: `ulvm logical volume ${f.vg.name}/${lv.name}`, target: opened.device, readOnly };
      this.entries.set(key, { vgId: f.vg.id, vgName: f.vg.name, lvId: lv.id, lvName: lv.name, devices: req.devices, minor: this.freeMinor(), readOnly, opened, exp });
      this.nbd?.add(exp);
      this.observer?.shown(key, f.vg.name, lv.name, opened.device, readOnly);
    }
    this.onChange();
  }

  async deactivate(vgName: string, lvNames: string[]): Promise<void> {
    for (const [key, e] of this.entries) {
      if (e.vgName !== vgName || !lvNames.includes(e.lvName)) continue;
      if (this.opens(key, e) > 0) throw new ActivationError(`Logical volume ${vgName}/${e.lvName} in use.`);
      this.nbd?.remove(e.exp.name);
      this.observer?.hidden(key);
      await e.opened.device.suspend();
      await e.opened.close();
      this.entries.delete(key);
    }
    this.onChange();
  }

  async reload(vgName: string, devices: string[]): Promise<void> {
    const f = scanDevices(this.opener, devices).get(vgName);
    // A renamed VG is found through the id of its active LVs.
    const byId = f ?? scanDevices(this.opener, devices).all().find((x) => [...this.entries.values()].some((e) => e.vgId === x.vg.id && e.vgName === vgName));
    if (!byId) return;
    for (const [key, e] of this.entries) {
      if (e.vgId !== byId.vg.id) continue;
      const lv = byId.vg.lvs.find((l) => l.id === e.lvId);
      if (!lv) continue;
      const readOnly = e.readOnly || !lv.status.includes('WRITE');
      const reopened = await openLv(byId, lv.name, { opener: this.opener, readOnly });
      const dev = e.opened.device;
      const oldSize = dev.size;
      dev.load(reopened.device.table);
      await dev.suspend();
      dev.resume();
      const oldClose = e.opened.close;
      e.opened = { device: dev, close: reopened.close };
      await oldClose();
      if (e.vgName !== byId.vg.name || e.lvName !== lv.name) {
        this.nbd?.remove(e.exp.name);
        e.exp.name = `${byId.vg.name}/${lv.name}`;
        this.nbd?.add(e.exp);
      }
      e.vgName = byId.vg.name;
      e.lvName = lv.name;
      e.readOnly = readOnly;
      e.exp.readOnly = readOnly;
      e.devices = devices;
      if (this.observer) {
        // Same inode under (possibly) new names: open files, loop devices on them, keep working.
        this.observer.shown(key, e.vgName, e.lvName, dev, readOnly);
        if (dev.size !== oldSize) this.observer.resized(key);
      }
    }
    this.onChange();
  }

  /** What to re-activate after a restart. */
  saved(): ActivateRequest[] {
    return [...this.entries.values()].map((e) => ({ vgName: e.vgName, lvNames: [e.lvName], devices: e.devices, ...(e.readOnly ? { readOnly: true } : {}) }));
  }

  async closeAll(): Promise<void> {
    for (const e of this.entries.values()) {
      this.nbd?.remove(e.exp.name);
      await e.opened.close();
    }
    this.entries.clear();
  }
}

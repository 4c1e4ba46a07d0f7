// NBD exports of the active LVs, kept from the registry's events: an LV is exported as `VG/LV`
// once its device has a live table, renamed with it, and withdrawn when it is removed.
import type { DmDevice, DmRegistry } from '../mapper/registry.ts';
import type { NbdExport } from './connection.ts';
import type { NbdServer } from './server.ts';

export class RegistryExports {
  private readonly byDev = new Map<DmDevice, NbdExport>();

  constructor(
    registry: DmRegistry,
    private readonly nbd: NbdServer,
  ) {
    // An NBD client in transmission holds the device open.
    registry.countOpens((dev) => this.byDev.get(dev)?.users ?? 0);
    registry.subscribe((e) => {
      const o = e.dev.owner;
      if (!o || o.layer) return;
      const exp = this.byDev.get(e.dev);
      if (e.type === 'resumed') {
        if (exp) exp.readOnly = e.dev.readOnly;
        else if (e.dev.live) {
          const n: NbdExport = { name: `${o.vgName}/${o.lvName}`, description: `ulvm logical volume ${o.vgName}/${o.lvName}`, target: e.dev.io, readOnly: e.dev.readOnly };
          this.byDev.set(e.dev, n);
          this.nbd.add(n);
        }
      } else if (e.type === 'renamed' && exp) {
        this.nbd.remove(exp.name);
        exp.name = `${o.vgName}/${o.lvName}`;
        this.nbd.add(exp);
      } else if (e.type === 'removed' && exp) {
        this.nbd.remove(exp.name);
        this.byDev.delete(e.dev);
      }
    });
  }

  /** The export name of an LV's device, when exported. */
  nameOf(vgId: string, lvId: string): string | undefined {
    for (const [d, exp] of this.byDev) if (d.owner?.vgId === vgId && d.owner.lvId === lvId) return exp.name;
    return undefined;
  }
}

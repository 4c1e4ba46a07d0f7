// The change maps of a registry's LVs: each LV whose map file exists gets its map on its visible
// device's write path as soon as the device is created (a daemon restarted after a crash
// re-activates its LVs through the same registry, so the map is back before any write). Maps are
// per LV id, so a renamed LV keeps its map.
import { existsSync, rmSync } from 'node:fs';
import { ChangeMap, changeMapPath, DEFAULT_REGION_SIZE, type RotatedChangeMap } from './change-map.ts';
import { DmError, type DmDevice, type DmRegistry } from './registry.ts';

export class ChangeMaps {
  private readonly maps = new Map<DmDevice, ChangeMap>();

  constructor(
    private readonly systemDir: string,
    private readonly registry: DmRegistry,
    private readonly log: (m: string) => void = () => undefined,
  ) {
    for (const d of registry.list()) this.attach(d);
    registry.subscribe((e) => {
      if (e.type === 'created') this.attach(e.dev);
      else if (e.type === 'removed') this.detach(e.dev);
    });
  }

  private attach(dev: DmDevice): void {
    const o = dev.owner;
    if (!o || o.layer || this.maps.has(dev)) return;
    const path = changeMapPath(this.systemDir, o.lvId);
    if (!existsSync(path)) return;
    const { map, note } = ChangeMap.open(path);
    if (note) this.log(`change map of ${o.vgName}/${o.lvName}: ${note}; its next backup reads everything`);
    this.use(dev, map);
  }

  private use(dev: DmDevice, map: ChangeMap): void {
    this.maps.set(dev, map);
    dev.io.writeGate = map.beforeWrite;
  }

  private detach(dev: DmDevice): void {
    const m = this.maps.get(dev);
    if (!m) return;
    if (dev.io.writeGate === m.beforeWrite) dev.io.writeGate = undefined;
    this.maps.delete(dev);
    m.close();
  }

  private device(vgName: string, lvName: string): DmDevice {
    const d = this.registry.list().find((x) => x.owner && !x.owner.layer && x.owner.vgName === vgName && x.owner.lvName === lvName);
    if (!d) throw new DmError('ENXIO', `Logical volume ${vgName}/${lvName} is not active.`);
    return d;
  }

  /** The LV's map, made now if it has none (its first generation then says 'all'). */
  enable(vgName: string, lvName: string, regionSize = DEFAULT_REGION_SIZE): ChangeMap {
    const dev = this.device(vgName, lvName);
    const have = this.maps.get(dev);
    if (have) return have;
    const map = ChangeMap.create(changeMapPath(this.systemDir, dev.owner!.lvId), regionSize);
    this.use(dev, map);
    return map;
  }

  /** Ends the LV's generation (see ChangeMap.rotate); an LV without a map gets one, and says 'all'. */
  async rotate(vgName: string, lvName: string): Promise<RotatedChangeMap> {
    const dev = this.device(vgName, lvName);
    const had = this.maps.has(dev);
    const r = await this.enable(vgName, lvName).rotate();
    return had ? r : { ...r, all: true, note: 'the volume had no change map' };
  }

  /** Stops tracking and removes the map file. */
  disable(vgName: string, lvName: string): void {
    const dev = this.device(vgName, lvName);
    this.detach(dev);
    rmSync(changeMapPath(this.systemDir, dev.owner!.lvId), { force: true });
  }

  /** Gate statistics of an LV's map: writes that waited for a bitmap page, and those that did not. */
  counts(vgName: string, lvName: string): { slow: number; fast: number } | undefined {
    return this.maps.get(this.device(vgName, lvName))?.counts;
  }
}

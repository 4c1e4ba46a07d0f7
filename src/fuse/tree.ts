// The device tree the daemon shows through FUSE: <vg>/<lv> and mapper/<vg>-<lv> for every active
// LV, both names one inode (like a hard link) so that the kernel keeps one page cache and size.
import { dmName } from '../model/names.ts';
import type { BlockTarget } from '../mapper/target.ts';

export const ROOT_ID = 1;
export const MAPPER_ID = 2;

export interface LvFile {
  id: number;
  vgName: string;
  lvName: string;
  target: BlockTarget;
  readOnly: boolean;
  opens: number;
}

export interface DirEntry {
  name: string;
  id: number;
  dir: boolean;
}

export class DeviceTree {
  private nextId = 3;
  private readonly vgDirs = new Map<string, number>();
  private readonly files = new Map<number, LvFile>();

  /** Adds or refreshes an LV; returns its inode id. */
  put(vgName: string, lvName: string, target: BlockTarget, readOnly: boolean, key: string): number {
    if (!this.vgDirs.has(vgName)) this.vgDirs.set(vgName, this.nextId++);
    for (const f of this.files.values())
      if ((f as LvFile & { key?: string }).key === key) {
        Object.assign(f, { vgName, lvName, target, readOnly });
        return f.id;
      }
    const f: LvFile & { key: string } = { id: this.nextId++, vgName, lvName, target, readOnly, opens: 0, key };
    this.files.set(f.id, f);
    return f.id;
  }

  remove(key: string): LvFile | undefined {
    for (const [id, f] of this.files)
      if ((f as LvFile & { key?: string }).key === key) {
        this.files.delete(id);
        if (![...this.files.values()].some((x) => x.vgName === f.vgName)) this.vgDirs.delete(f.vgName);
        return f;
      }
    return undefined;
  }

  byKey(key: string): LvFile | undefined {
    return [...this.files.values()].find((f) => (f as LvFile & { key?: string }).key === key);
  }

  file(id: number): LvFile | undefined {
    return this.files.get(id);
  }

  isDir(id: number): boolean {
    return id === ROOT_ID || id === MAPPER_ID || [...this.vgDirs.values()].includes(id);
  }

  list(dirId: number): DirEntry[] {
    if (dirId === ROOT_ID) return [{ name: 'mapper', id: MAPPER_ID, dir: true }, ...[...this.vgDirs].sort().map(([name, id]) => ({ name, id, dir: true }))];
    if (dirId === MAPPER_ID) return [...this.files.values()].map((f) => ({ name: dmName(f.vgName, f.lvName), id: f.id, dir: false })).sort((a, b) => (a.name < b.name ? -1 : 1));
    const vg = [...this.vgDirs].find(([, id]) => id === dirId)?.[0];
    if (vg === undefined) return [];
    return [...this.files.values()].filter((f) => f.vgName === vg).map((f) => ({ name: f.lvName, id: f.id, dir: false })).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  lookup(dirId: number, name: string): DirEntry | undefined {
    return this.list(dirId).find((e) => e.name === name);
  }

  /** Names an LV file is reachable by (for invalidations): [parent id, name]. */
  names(f: LvFile): [number, string][] {
    const vgDir = this.vgDirs.get(f.vgName);
    return [...(vgDir ? [[vgDir, f.lvName] as [number, string]] : []), [MAPPER_ID, dmName(f.vgName, f.lvName)]];
  }

  vgDirId(vgName: string): number | undefined {
    return this.vgDirs.get(vgName);
  }
}

// /dev/VG/LV and /dev/mapper/VG-LV as symlinks to the daemon's device-tree files: what udev does
// for lvm2's dm devices, done by `vgmknodes` (and `vgscan --mknodes`) for ulvm's. Only links that
// point into ulvm's own device tree are ever replaced or removed; a real lvm2 VG's nodes, or any
// other file, are left alone with a warning.
import { lstatSync, mkdirSync, readdirSync, readlinkSync, rmdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveLv } from '../activation/activator.ts';
import { lvm2Paths } from './lv-paths.ts';

export interface LinkResult {
  created: string[];
  removed: string[];
  warnings: string[];
}

function lstat(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

function isOurs(link: string, tree: string): boolean {
  try {
    return readlinkSync(link).startsWith(`${tree}/`);
  } catch {
    return false;
  }
}

function ensureLink(link: string, target: string, tree: string, out: LinkResult): void {
  const st = lstat(link);
  if (st) {
    if (st.isSymbolicLink() && readlinkSync(link) === target) return;
    if (!st.isSymbolicLink() || !isOurs(link, tree)) {
      out.warnings.push(`WARNING: ${link} exists and is not ulvm's link: left as it is.`);
      return;
    }
    unlinkSync(link);
  }
  symlinkSync(target, link);
  out.created.push(link);
}

/** Our links in `dir` that no wanted link names (and that `mayGo` allows): removed. */
function pruneDir(dir: string, tree: string, keep: Set<string>, out: LinkResult, mayGo: (name: string) => boolean = () => true): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (keep.has(p) || !mayGo(n) || !lstat(p)?.isSymbolicLink() || !isOurs(p, tree)) continue;
    unlinkSync(p);
    out.removed.push(p);
  }
}

/** The VG part of a device-mapper name (`my--vg-lv` → `my-vg`): hyphens in names are doubled. */
function dmVgName(name: string): string | undefined {
  const m = /^((?:[^-]|--)+)-(?:[^-]|--)+$/.exec(name);
  return m ? m[1]!.replace(/--/g, '-') : undefined;
}

/**
 * Makes the links of the active LVs of `vgNames` (every VG when undefined) and removes ulvm's
 * links of those VGs' LVs that are no longer active. `tree` is the daemon's device-tree mount.
 */
export function refreshDevLinks(active: ActiveLv[], tree: string, vgNames: string[] | undefined, dev = '/dev'): LinkResult {
  const out: LinkResult = { created: [], removed: [], warnings: [] };
  const inScope = (vg: string) => !vgNames || vgNames.includes(vg);
  const keep = new Set<string>();
  const mapper = join(dev, 'mapper');
  for (const a of active) {
    if (!inScope(a.vgName) || !a.devicePath || !a.dmDevicePath) continue;
    const names = lvm2Paths(a.vgName, a.lvName);
    const path = names.path.replace(/^\/dev/, dev);
    const dmPath = names.dmPath.replace(/^\/dev/, dev);
    const vgDir = join(dev, a.vgName);
    const st = lstat(vgDir);
    if (st && !st.isDirectory()) out.warnings.push(`WARNING: ${vgDir} exists and is not a directory: no links made for volume group ${a.vgName}.`);
    else {
      mkdirSync(vgDir, { recursive: true });
      ensureLink(path, a.devicePath, tree, out);
      keep.add(path);
    }
    mkdirSync(mapper, { recursive: true });
    ensureLink(dmPath, a.dmDevicePath, tree, out);
    keep.add(dmPath);
  }
  // Stale links: in the VG directories in scope (all of /dev's directories holding our links when
  // no VG is named), and in /dev/mapper.
  let dirs: string[] = [];
  if (vgNames) dirs = vgNames.map((v) => join(dev, v));
  else {
    try {
      dirs = readdirSync(dev).map((n) => join(dev, n)).filter((p) => p !== mapper && lstat(p)?.isDirectory());
    } catch {
      dirs = [];
    }
  }
  for (const d of dirs) {
    const before = out.removed.length;
    pruneDir(d, tree, keep, out);
    // A VG directory ulvm emptied goes too, as udev removes /dev/VG with its last LV.
    if (out.removed.length > before) {
      try {
        if (!readdirSync(d).length) rmdirSync(d);
      } catch {
        /* someone else's files are in it */
      }
    }
  }
  pruneDir(mapper, tree, keep, out, (n) => {
    const vg = dmVgName(n);
    return vg !== undefined && inScope(vg);
  });
  return out;
}

// The paths ulvm prints for an LV (lv_path, lv_dm_path, lvdisplay's LV Path, lvscan). lvm2 prints
// /dev/VG/LV and /dev/mapper/VG-LV, which udev makes for it; ulvm has no kernel device, so an
// active LV is a file in the daemon's device tree instead. Printing a path that does not exist
// would send users to nothing: an active LV is named by its device-tree file, unless
// `vgmknodes` has linked /dev/VG/LV to that file (then the lvm2 name works and is printed).
// Inactive LVs have no device under lvm2 either, and keep lvm2's names.
import { readlinkSync } from 'node:fs';
import type { ActiveLv } from '../activation/activator.ts';
import { dmName } from '../model/names.ts';

export interface LvPaths {
  path: string;
  dmPath: string;
}

export function lvm2Paths(vgName: string, lvName: string): LvPaths {
  return { path: `/dev/${vgName}/${lvName}`, dmPath: `/dev/mapper/${dmName(vgName, lvName)}` };
}

/** Whether `link` is a symlink to `target` (readlink only: the target itself is never touched). */
export function linksTo(link: string, target: string): boolean {
  try {
    return readlinkSync(link) === target;
  } catch {
    return false;
  }
}

export function lvPaths(vgName: string, lvName: string, active: ActiveLv | undefined): LvPaths {
  const lvm2 = lvm2Paths(vgName, lvName);
  if (!active?.devicePath || !active.dmDevicePath) return lvm2;
  return {
    path: linksTo(lvm2.path, active.devicePath) ? lvm2.path : active.devicePath,
    dmPath: linksTo(lvm2.dmPath, active.dmDevicePath) ? lvm2.dmPath : active.dmDevicePath,
  };
}

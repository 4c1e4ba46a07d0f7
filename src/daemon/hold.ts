// The daemon's side of a hold (lvm2's suspend of an origin around a snapshot): freeze the
// filesystems mounted from the LVs' device-tree files, then hold the LVs' I/O; on release resume
// the I/O, then thaw. The freeze comes first because freezing writes the filesystem out through
// the loop device into this daemon, which must still be serving; the thaw comes last because
// thawing writes the superblock the same way. A holder that dies releases too (the caller ties
// `release` to its connection), so no filesystem stays frozen after a killed command.
import { basename, dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';
import { dmName } from '../model/names.ts';
import { freezeFilesystems } from '../devices/freeze.ts';

export interface Holder {
  hold(vgName: string, lvNames: string[]): Promise<() => Promise<void>>;
}

export interface Held {
  /** Filesystems that could not be frozen, for the command that asked. */
  warnings: string[];
  /** Mount points frozen for the hold. */
  frozen: string[];
  /** Resumes and thaws (once); returns warnings of the thaw. */
  release(): Promise<string[]>;
}

/**
 * The path the kernel prints as a loop device's backing file for the tree's files: the
 * mount point's parent resolved (it is outside the tree; resolving inside the tree would ask
 * this daemon while it waits for the answer).
 */
export function kernelTreePath(tree: string): string {
  try {
    return join(realpathSync(dirname(tree)), basename(tree));
  } catch {
    return tree;
  }
}

/** Both names an LV has in the device tree (VG/LV and mapper/VG-LV are one inode). */
export function treeFiles(treePath: string, vgName: string, lvNames: readonly string[]): string[] {
  return lvNames.flatMap((lv) => [join(treePath, vgName, lv), join(treePath, 'mapper', dmName(vgName, lv))]);
}

export async function holdFrozen(engine: Holder, treePath: string | undefined, vgName: string, lvNames: string[], log: (m: string) => void): Promise<Held> {
  const frozen = await freezeFilesystems(treePath ? treeFiles(treePath, vgName, lvNames) : [], `${vgName}/${lvNames.join(',')}`);
  for (const mp of frozen.frozen) log(`froze ${mp} for a hold of ${vgName}/${lvNames.join(',')}`);
  for (const w of frozen.warnings) log(w);
  let resume: () => Promise<void>;
  try {
    resume = await engine.hold(vgName, lvNames);
  } catch (e) {
    await frozen.thaw();
    throw e;
  }
  let done: Promise<string[]> | undefined;
  return {
    warnings: frozen.warnings,
    frozen: [...frozen.frozen],
    release() {
      done ??= (async () => {
        // The thaw runs even when the resume failed: a frozen filesystem hangs every writer.
        const resumed = await resume().then(
          () => undefined,
          (e: Error) => e,
        );
        const w = await frozen.thaw();
        for (const mp of frozen.frozen) log(`thawed ${mp}`);
        for (const x of w) log(x);
        if (resumed) throw resumed;
        return w;
      })();
      return done;
    },
  };
}

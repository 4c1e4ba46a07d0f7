// The kernel's dm suspend with lockfs (freeze_bdev) for the daemon's device tree: filesystems
// mounted through loop devices over an LV's file are frozen (FIFREEZE through util-linux
// fsfreeze: the filesystem writes out everything it has and takes no new writes) before the LV's
// I/O is held, and thawed after it is resumed, so a snapshot taken in between is consistent. A
// loop device over the file without a filesystem is synced instead, as freeze_bdev syncs a bare
// block device.
//
// This runs inside the process that serves those files: it must never stat or open the files
// themselves (the request would wait on this very process), so loop devices are matched on the
// kernel's own backing_file path, and everything that waits on the kernel waits asynchronously.
import { open } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mountsOfDevno } from './holders.ts';

function readSys(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Loop devices whose backing file is one of `files` (kernel paths, compared as the kernel prints them). */
export function loopsBackedBy(files: readonly string[]): { dev: string; devno: string }[] {
  let names: string[];
  try {
    names = readdirSync('/sys/block').filter((n) => n.startsWith('loop'));
  } catch {
    return [];
  }
  const out: { dev: string; devno: string }[] = [];
  for (const n of names) {
    const backing = readSys(`/sys/block/${n}/loop/backing_file`);
    if (backing && files.includes(backing)) out.push({ dev: `/dev/${n}`, devno: readSys(`/sys/block/${n}/dev`) ?? '' });
  }
  return out;
}

function fsfreeze(flag: '-f' | '-u', mountPoint: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    // LC_ALL=C: the refusal of an already frozen filesystem is recognised by its text.
    const c = spawn('fsfreeze', [flag, mountPoint], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    c.on('close', (code) => resolve({ code: code ?? 1, stderr: stderr.trim() }));
    c.on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code === 'ENOENT' ? 127 : 126, stderr: e.message }));
  });
}

/** Writes a bare loop device's cached blocks down to its file (fsync of a block device: sync_blockdev + flush). */
async function syncBlockDevice(dev: string): Promise<string | undefined> {
  try {
    const h = await open(dev, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export interface Frozen {
  /** Mount points frozen here (thawed by `thaw`). */
  frozen: string[];
  /** What could not be frozen or synced, for the user (the snapshot may then miss recent writes). */
  warnings: string[];
  /** Thaws what was frozen; returns warnings for what could not be thawed. */
  thaw(): Promise<string[]>;
}

/**
 * Freezes the filesystems living on `files` (through loop devices) and syncs bare loop devices
 * over them. `what` names the LV for the warnings. Never throws: what cannot be frozen is
 * reported and the caller goes on, so the user gets a snapshot with a warning rather than none
 * (the kernel's dm suspend fails instead when freeze_bdev fails).
 */
export async function freezeFilesystems(files: readonly string[], what: string): Promise<Frozen> {
  const frozen: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const loop of loopsBackedBy(files)) {
    // A filesystem mounted at several places (bind mounts) is one superblock: frozen once.
    const mount = mountsOfDevno(loop.devno)[0];
    if (!mount) {
      const err = await syncBlockDevice(loop.dev);
      if (err) warnings.push(`WARNING: Failed to sync ${loop.dev} (backed by ${what}): ${err}. The snapshot may miss recent writes.`);
      continue;
    }
    if (seen.has(loop.devno)) continue;
    seen.add(loop.devno);
    const r = await fsfreeze('-f', mount.mountPoint);
    if (r.code === 0) frozen.push(mount.mountPoint);
    // Frozen already (by the user's fsfreeze): consistent as it is, and theirs to thaw.
    else if (/busy/i.test(r.stderr)) continue;
    else if (r.code === 127)
      warnings.push(`WARNING: Cannot freeze filesystem on ${mount.mountPoint} (${loop.dev}, backed by ${what}): fsfreeze (util-linux) not found. The snapshot may miss recent writes; sync first.`);
    else warnings.push(`WARNING: Failed to freeze filesystem on ${mount.mountPoint} (${loop.dev}, backed by ${what}): ${r.stderr || `fsfreeze exit ${r.code}`}. The snapshot may miss recent writes.`);
  }
  let thawed = false;
  return {
    frozen,
    warnings,
    async thaw() {
      if (thawed) return [];
      thawed = true;
      const out: string[] = [];
      for (const mp of frozen) {
        const r = await fsfreeze('-u', mp);
        if (r.code !== 0) out.push(`WARNING: Failed to thaw filesystem on ${mp}: ${r.stderr || `fsfreeze exit ${r.code}`}. Run "fsfreeze -u ${mp}".`);
      }
      return out;
    },
  };
}

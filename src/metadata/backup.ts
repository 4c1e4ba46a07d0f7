// Metadata backup (latest per VG) and archive (history before each change), as lvm2 keeps them.
// Failures are reported in lvm2's words: an archive that cannot be written stops the command
// before it changes anything; a backup that cannot be written is reported and the command goes on.
import { accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { exportVgFile, reheadVgFile, type TextHeader } from '../formats/vg-text.ts';
import type { VolumeGroup } from '../model/types.ts';
import { errnoCode, strerror } from '../devices/errno.ts';
import { UlvmError } from '../errors.ts';

/** Why a backup or archive was not written; `lines` are lvm2's errors (none for a read-only fs). */
export class BackupError extends UlvmError {
  constructor(lines: string[]) {
    super('BACKUP', lines);
    if (!lines.length) this.message = 'backup not written';
  }

  /** A silent failure (read-only filesystem) still ends a command with lvm2's generic line. */
  override stderrText(): string {
    return this.lines.length ? super.stderrText() : '  Command failed with status code 5.\n';
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * dm_create_dir: creates `dir` and its parents. On failure returns lvm2's messages; a read-only
 * filesystem fails silently, as in lvm2 (the caller decides whether that matters).
 */
function createDir(dir: string): string[] | undefined {
  if (isDir(dir)) return undefined;
  const parts = dir.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    if (!prefix) continue;
    try {
      mkdirSync(prefix, { mode: 0o700 });
    } catch (e) {
      const code = errnoCode(e);
      if (code === undefined) throw e;
      if (code === 'EEXIST') {
        if (isDir(prefix)) continue;
        return [`Existing path ${prefix} is not a directory.`];
      }
      return code === 'EROFS' ? [] : [`${prefix}: mkdir failed: ${strerror(code)}`];
    }
  }
  return undefined;
}

/** lvm2 traps a read-only filesystem with access(2) before it writes into the directory. */
function readOnlyDir(dir: string): boolean {
  try {
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
    return false;
  } catch (e) {
    return errnoCode(e) === 'EROFS';
  }
}

/** Writes `text` to `dir/name` through a temporary file; `tmpFailed` is lvm2's message when it cannot be made. */
function writeDurably(dir: string, name: string, text: string, tmpFailed: string, renameFailed: (tmp: string, code: string) => string): void {
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.tmp${process.pid}`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w', 0o600);
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    throw new BackupError([tmpFailed]);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    closeSync(fd);
    unlinkQuietly(tmp);
    throw new BackupError([`Failed to write metadata to ${tmp}.`]);
  }
  closeSync(fd);
  try {
    renameSync(tmp, final);
  } catch (e) {
    const code = errnoCode(e);
    if (code === undefined) throw e;
    unlinkQuietly(tmp);
    throw new BackupError([renameFailed(tmp, code)]);
  }
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* directories cannot be fsynced everywhere */
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* it was never made, or is gone */
  }
}

/**
 * Writes the backup of `vg`; returns false when a read-only filesystem made lvm2 skip it silently
 * ("will take a backup next time"). Throws BackupError with lvm2's messages on other failures.
 */
export function writeBackup(dir: string, vg: VolumeGroup, header: TextHeader): boolean {
  const failed = `Backup of volume group ${vg.name} metadata failed.`;
  const problem = createDir(dir);
  if (problem) {
    if (!problem.length) return false;
    throw new BackupError(problem);
  }
  if (readOnlyDir(dir)) return false;
  try {
    writeDurably(dir, vg.name, exportVgFile(vg, header), "Couldn't create temporary text file name.", (tmp, code) => `${tmp}: rename to ${join(dir, vg.name)} failed: ${strerror(code)}`);
  } catch (e) {
    if (e instanceof BackupError) throw new BackupError([...e.lines, failed]);
    throw e;
  }
  return true;
}

/** `<vg>_NNNNN-<rand>.vg`, index one above the highest present; old ones pruned like lvm2's retain_min/retain_days. */
export function writeArchive(dir: string, vg: VolumeGroup, header: TextHeader, retainMin = 10, retainDays = 30, backupDir?: string, starting?: () => void): string {
  const problem = createDir(dir);
  if (problem) throw new BackupError(problem);
  if (readOnlyDir(dir)) throw new BackupError([`Cannot archive volume group metadata for ${vg.name} to read-only filesystem.`]);
  starting?.();
  let max = -1;
  const mine: { name: string; index: number }[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    throw new BackupError([`Couldn't scan the archive directory (${dir}).`]);
  }
  const re = new RegExp(`^${vg.name.replace(/[.+]/g, '\\$&')}_(\\d{5})-\\d+\\.vg$`);
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    const index = parseInt(m[1]!, 10);
    mine.push({ name: n, index });
    max = Math.max(max, index);
  }
  const name = `${vg.name}_${String(max + 1).padStart(5, '0')}-${Math.floor(Math.random() * 2147483647)}.vg`;
  // The previous command's backup usually holds exactly this VG: reuse its text under the archive's header.
  let text: string | undefined;
  if (backupDir) {
    try {
      text = reheadVgFile(readFileSync(join(backupDir, vg.name), 'utf8'), vg, header);
    } catch {
      text = undefined;
    }
  }
  writeDurably(dir, name, text ?? exportVgFile(vg, header), "Couldn't create temporary archive name.", (tmp) => `Archive rename failed for ${tmp}`);
  mine.sort((a, b) => a.index - b.index);
  const cutoff = Date.now() - retainDays * 86400 * 1000;
  let count = mine.length + 1;
  for (const f of mine) {
    if (count <= retainMin) break;
    const p = join(dir, f.name);
    // Pruning is housekeeping: lvm2 only logs a failed stat or unlink at debug level.
    try {
      if (statSync(p).mtimeMs >= cutoff) break;
      unlinkSync(p);
    } catch {
      break;
    }
    count--;
  }
  return join(dir, name);
}

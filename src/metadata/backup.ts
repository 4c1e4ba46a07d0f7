// Metadata backup (latest per VG) and archive (history before each change), as lvm2 keeps them.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { exportVgFile, reheadVgFile, type TextHeader } from '../formats/vg-text.ts';
import type { VolumeGroup } from '../model/types.ts';

function writeDurably(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.tmp${process.pid}`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, final);
  try {
    const dfd = openSync(dir, 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    /* directories cannot be fsynced everywhere */
  }
}

export function writeBackup(dir: string, vg: VolumeGroup, header: TextHeader): string {
  writeDurably(dir, vg.name, exportVgFile(vg, header));
  return join(dir, vg.name);
}

/** `<vg>_NNNNN-<rand>.vg`, index one above the highest present; old ones pruned like lvm2's retain_min/retain_days. */
export function writeArchive(dir: string, vg: VolumeGroup, header: TextHeader, retainMin = 10, retainDays = 30, backupDir?: string): string {
  let max = -1;
  const mine: { name: string; index: number }[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    /* no archive yet */
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
  writeDurably(dir, name, text ?? exportVgFile(vg, header));
  mine.sort((a, b) => a.index - b.index);
  const cutoff = Date.now() - retainDays * 86400 * 1000;
  let count = mine.length + 1;
  for (const f of mine) {
    if (count <= retainMin) break;
    const p = join(dir, f.name);
    if (statSync(p).mtimeMs >= cutoff) break;
    unlinkSync(p);
    count--;
  }
  return join(dir, name);
}

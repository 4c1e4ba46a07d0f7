// ulvm's column in the backup benchmark: the same volume in a thin LV of a ulvm VG (written
// through the daemon's device tree), backed up with `ulvm backup create` (thin snapshots, changed
// blocks between them) and restored with `ulvm backup restore` to an image file. Measured only
// where `ulvm backup` exists: ULVM_BACKUP_CMD (the command line that is `ulvm backup`, e.g.
// "node bin/ulvm backup"), else this tree's own `bin/ulvm backup` when src/commands/backup.ts
// exists; otherwise the reason is printed and only the anchors are measured.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Tool, timed, treeBytes } from './backup-tools.ts';

const REPO_ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(REPO_ROOT, 'bin', 'ulvm');
const PASSPHRASE = 'ulvm-bench-backup';
const VG = 'bkbench';

function backupCommand(): string[] | string {
  const env = process.env.ULVM_BACKUP_CMD?.trim();
  if (env) return env.split(/\s+/);
  if (existsSync(join(REPO_ROOT, 'src', 'commands', 'backup.ts'))) return [process.execPath, BIN, 'backup'];
  return 'ulvm backup is not in this tree (no src/commands/backup.ts) and ULVM_BACKUP_CMD is unset';
}

/** The ids `ulvm backup list --json` prints (a JSON array, or one JSON object a line), oldest first. */
function backupIds(out: string): string[] {
  const t = out.trim();
  const items: unknown[] = t.startsWith('[') ? (JSON.parse(t) as unknown[]) : t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
  return items.flatMap((x) => (x && typeof x === 'object' && 'id' in x && typeof x.id === 'string' ? [x.id] : []));
}

export function ulvmTool(work: string, pristine: string, bytes: number): Tool | string {
  const cmd = backupCommand();
  if (typeof cmd === 'string') return cmd;
  if (process.getuid?.() !== 0 || !existsSync('/dev/fuse')) return 'needs root and /dev/fuse (the volume is written into a thin LV through the daemon device tree)';
  const dir = join(work, 'ulvm');
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run'), ULVM_BACKUP_PASSPHRASE: PASSPHRASE };
  const ulvm = (...a: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...a], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ulvm ${a.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const disk = join(dir, 'disk.img');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, Math.ceil(bytes * 1.5) + (64 << 20));
  closeSync(fd);
  ulvm('pvcreate', disk);
  ulvm('vgcreate', VG, disk);
  ulvm('lvcreate', '-y', '-L', `${Math.ceil((bytes * 1.4) / 2 ** 20)}M`, '-T', `${VG}/pool`);
  ulvm('lvcreate', '-V', `${bytes / 2 ** 20}M`, '-T', `${VG}/pool`, '-n', 'vol');
  const volume = join(dir, 'run', 'dev', VG, 'vol');
  // Zeros left unwritten: a thin LV reads them as zeros without mapping them.
  const dd = spawnSync('dd', [`if=${pristine}`, `of=${volume}`, 'bs=4M', 'conv=sparse,notrunc,fsync', 'status=none'], { encoding: 'utf8' });
  if (dd.status !== 0) throw new Error(`dd into the LV failed: ${dd.stderr}`);
  const repo = join(dir, 'repo');
  const ids: Partial<Record<'full' | 'incr', string>> = {};
  const run = (...a: string[]) => timed(cmd[0]!, [...cmd.slice(1), ...a], { env, cwd: dir });
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    name: 'ulvm',
    version,
    volume,
    init: () => run('init', repo),
    backup(label) {
      const m = run('create', '--repo', repo, `${VG}/vol`);
      const list = spawnSync(cmd[0]!, [...cmd.slice(1), 'list', '--repo', repo, '--json'], { env, encoding: 'utf8' });
      ids[label] = backupIds(list.stdout).at(-1);
      if (!ids[label]) throw new Error(`ulvm backup list --json named no backup: ${list.stdout}${list.stderr}`);
      return m;
    },
    restore: (label, out) => run('restore', '--repo', repo, `${ids[label]!}/vol`, out),
    repoBytes: () => treeBytes(repo),
    cleanup() {
      spawnSync(process.execPath, [BIN, 'daemon', 'stop', '--force'], { env, stdio: 'ignore' });
      spawnSync('umount', ['-l', join(dir, 'run', 'dev')], { stdio: 'ignore' });
    },
  };
}

// Where ulvm keeps state ($ULVM_SYSTEM_DIR) and runtime files ($ULVM_RUN_DIR).
import { join } from 'node:path';
import { homedir } from 'node:os';

export interface SystemPaths {
  systemDir: string;
  runDir: string;
  configFile: string;
  devicesFile: string;
  backupDir: string;
  archiveDir: string;
  lockDir: string;
}

/** Root gets /etc/ulvm and /run/ulvm like lvm2's /etc/lvm and /run/lvm; users get XDG locations. */
export function systemPaths(env: Record<string, string | undefined>, uid: number): SystemPaths {
  const systemDir =
    env.ULVM_SYSTEM_DIR ||
    (uid === 0 ? '/etc/ulvm' : join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config'), 'ulvm'));
  const runDir = env.ULVM_RUN_DIR || (uid === 0 ? '/run/ulvm' : env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'ulvm') : `/tmp/ulvm-${uid}`);
  return {
    systemDir,
    runDir,
    configFile: join(systemDir, 'lvm.conf'),
    devicesFile: join(systemDir, 'devices', 'system.devices'),
    backupDir: join(systemDir, 'backup'),
    archiveDir: join(systemDir, 'archive'),
    lockDir: join(runDir, 'lock'),
  };
}

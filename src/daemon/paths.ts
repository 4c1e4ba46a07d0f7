// Where the daemon of a run directory keeps its sockets and state.
import { join } from 'node:path';

export interface DaemonPaths {
  control: string;
  nbd: string;
  pid: string;
  state: string;
  log: string;
  /** Where the FUSE device tree is mounted. */
  tree: string;
}

export function daemonPaths(runDir: string): DaemonPaths {
  return {
    control: join(runDir, 'daemon.sock'),
    nbd: join(runDir, 'nbd.sock'),
    pid: join(runDir, 'daemon.pid'),
    state: join(runDir, 'active.json'),
    log: join(runDir, 'daemon.log'),
    tree: join(runDir, 'dev'),
  };
}

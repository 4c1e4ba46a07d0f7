// The daemon's own operations (dmeventd's snapshot autoextend, lvmpolld's merge poll), run through
// the library against the daemon's activation, with lvm2's messages collected for its log.
import type { DeviceOpener } from '../devices/device.ts';
import type { Activator } from '../activation/activator.ts';
import type { SystemPaths } from '../metadata/paths.ts';
import type { SnapshotWatch, WatchResult } from '../daemon/server.ts';
import { UlvmError } from '../errors.ts';
import { Session } from './session.ts';

async function collect(session: Session, fn: (s: Session) => Promise<unknown>): Promise<WatchResult> {
  const messages: string[] = [];
  const keep = (m: string) => messages.push(m);
  session.on('print', keep).on('warning', keep).on('error', keep);
  try {
    await fn(session);
    return { rc: 0, messages };
  } catch (e) {
    if (!(e instanceof UlvmError)) throw e;
    messages.push(...e.lines);
    return { rc: e.rc, messages };
  }
}

export function snapshotWatch(paths: SystemPaths, opener: DeviceOpener): SnapshotWatch {
  const session = (devices: string[], activator: Activator) => new Session({ systemDir: paths.systemDir, runDir: paths.runDir, devices, activation: activator, opener });
  return {
    configFile: paths.configFile,
    lockDir: paths.lockDir,
    extend: (vg, lv, percent, devices, activator) => collect(session(devices, activator), (s) => s.extendLv({ vg, lv, extents: `+${percent}%LV` })),
    pollMerge: (vg, origin, devices, activator) => collect(session(devices, activator), (s) => s.pollMerge(vg, origin)),
    extendPool: (vg, pool, devices, activator) => collect(session(devices, activator), (s) => s.extendByPolicy(vg, pool)),
  };
}

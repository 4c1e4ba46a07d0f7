// Snapshot autoextend, as lvm2's dmeventd snapshot plugin does it: when a snapshot's COW use
// reaches activation/snapshot_autoextend_threshold, extend the COW by
// activation/snapshot_autoextend_percent of its size (lvextend -l +P%LV). A threshold of 100
// (lvm2's default) turns it off.
import type { ActivationEngine } from '../activation/engine.ts';
import type { Config } from '../metadata/config.ts';

export interface AutoextendPolicy {
  threshold: number;
  percent: number;
}

export function snapshotAutoextendPolicy(config: Config): AutoextendPolicy {
  // lvm2 treats thresholds below 50 as 50.
  const threshold = Math.max(50, config.int('activation/snapshot_autoextend_threshold', 100));
  return { threshold, percent: config.int('activation/snapshot_autoextend_percent', 20) };
}

/** Extends a snapshot's COW by `percent` of its size (lvextend -l +P%LV), against the engine. */
export type SnapshotExtender = (vgName: string, lvName: string, percent: number, devices: string[]) => Promise<{ rc: number; messages: string[] }>;

/** One watch round: extends every snapshot over the threshold once; returns what it extended. */
export async function autoextendSnapshots(engine: ActivationEngine, policy: AutoextendPolicy, extend: SnapshotExtender, log: (m: string) => void): Promise<string[]> {
  if (policy.threshold >= 100 || policy.percent <= 0) return [];
  const done: string[] = [];
  for (const s of engine.snapshotsFillingUp(policy.threshold)) {
    const name = `${s.vgName}/${s.lvName}`;
    const r = await extend(s.vgName, s.lvName, policy.percent, s.devices);
    for (const line of r.messages) if (line.trim()) log(line.trim());
    if (r.rc === 0) done.push(name);
    else log(`Failed to extend snapshot ${name}.`);
  }
  return done;
}

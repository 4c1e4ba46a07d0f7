// One libguestfs appliance boot (the real kernel, TCG: KVM is unusable here) running a guestfish
// script; returns its stdout lines and fails the test with guestfish's stderr otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function haveGuestfish(): boolean {
  return spawnSync('sh', ['-c', 'command -v guestfish']).status === 0;
}

export function guestfish(lines: string[]): string[] {
  const r = spawnSync('guestfish', [], {
    input: lines.join('\n'),
    encoding: 'utf8',
    env: { ...process.env, LIBGUESTFS_BACKEND_SETTINGS: 'force_tcg', LIBGUESTFS_BACKEND: 'direct' },
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

/** A guestfish line running a shell script in the appliance (base64: no guestfish quoting trouble). */
export function applianceSh(script: string): string {
  return `debug sh "echo ${Buffer.from(script).toString('base64')} | base64 -d > /tmp/s.sh; bash /tmp/s.sh 2>&1"`;
}

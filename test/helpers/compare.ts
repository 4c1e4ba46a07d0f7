// Comparing what real lvm2 and ulvm print for the same report commands.
import assert from 'node:assert/strict';
import { REPORTS } from './scenario.ts';
import { Lab, unexpectedStderr, ulvmHasCommand } from './lab.ts';

/** The lines only one side printed, in order, marked `lvm2>` and `ulvm>`. */
export function lineDiff(lvm2: string, ulvm: string): string {
  const a = lvm2.split('\n');
  const b = ulvm.split('\n');
  const out: string[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    if (a[i] !== undefined) out.push(`lvm2> ${a[i]}`);
    if (b[i] !== undefined) out.push(`ulvm> ${b[i]}`);
  }
  return out.join('\n');
}

/** Runs every report of REPORTS with both implementations; returns the differences found. */
export async function compareReports(lab: Lab, label: string): Promise<string[]> {
  const diffs: string[] = [];
  for (const [cmd, args] of REPORTS) {
    if (!ulvmHasCommand(cmd)) {
      diffs.push(`${label}: ulvm has no ${cmd} yet (src/commands/${cmd}.ts missing)`);
      continue;
    }
    const want = lab.lvm(cmd, ['--driverloaded', 'n', ...args]);
    const got = await lab.ulvm(cmd, ['--driverloaded', 'n', ...args]);
    const line = `${cmd} ${args.join(' ')}`;
    if (want.rc !== got.rc) diffs.push(`${label}: ${line}: rc lvm2=${want.rc} ulvm=${got.rc}\n${got.stderr}`);
    if (want.stdout !== got.stdout) diffs.push(`${label}: ${line}: stdout differs\n${lineDiff(want.stdout, got.stdout)}`);
    if (unexpectedStderr(want.stderr) !== unexpectedStderr(got.stderr)) diffs.push(`${label}: ${line}: stderr differs\n--- lvm2\n${want.stderr}--- ulvm\n${got.stderr}`);
  }
  return diffs;
}

export function vgckClean(lab: Lab, vg: string): void {
  const r = lab.lvm('vgck', [vg]);
  assert.equal(r.rc, 0, `lvm2 vgck ${vg} rc ${r.rc}: ${r.stderr}`);
  assert.equal(r.stderr, '', `lvm2 vgck ${vg} printed on stderr`);
  assert.equal(r.stdout, '');
}


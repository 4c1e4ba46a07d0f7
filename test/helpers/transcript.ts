// One sequence of commands run under real lvm2 and, on fresh loop devices, under ulvm: the two
// transcripts (device names as A, B, C, D; uuids as <uuid>; lvm2's "activation disabled" note
// dropped) must be equal. Steps name the lab's devices as `A`..`D`.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Lab, type Result } from './lab.ts';

const D = ['--driverloaded', 'n'];

export async function transcript(t: TestContext, who: 'lvm2' | 'ulvm', steps: string[][], devices = 4, sizeMiB = 16): Promise<string> {
  const lab = Lab.create(t, devices, sizeMiB);
  const dev = (a: string) => (/^[A-D]$/.test(a) ? lab.loops['ABCD'.indexOf(a)]! : a);
  const norm = (s: string) =>
    s
      .replace(/\/dev\/loop\d+/g, (m) => 'ABCD'[lab.loops.indexOf(m)] ?? m)
      .replace(/[0-9a-zA-Z]{6}(-[0-9a-zA-Z]{4}){5}-[0-9a-zA-Z]{6}/g, '<uuid>')
      .replace(/.*WARNING: Activation disabled.*\n/g, '');
  let out = '';
  try {
    for (const step of steps) {
      const args = [...D, ...step.slice(1).map(dev)];
      const r: Result = who === 'lvm2' ? lab.lvm(step[0]!, args) : await lab.ulvm(step[0]!, args);
      assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /, `${who} ${step.join(' ')}: stack trace`);
      out += `$ ${step.join(' ')}  [rc ${r.rc}]\n${norm(r.stdout)}--- stderr\n${norm(r.stderr)}`;
    }
  } finally {
    lab.destroy();
  }
  return out;
}

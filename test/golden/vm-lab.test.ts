// The VM transcripts (lvm2 with a real kernel's device-mapper) replayed through ulvm with its
// userspace activation kept in-process: activation columns, lvdisplay's live lines, prompts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession, loadGolden } from './harness.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { COMMANDS } from '../../src/cli/commands.ts';

const DEVICES = ['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda4'];

test('golden VM lab transcripts replay byte for byte', async (t) => {
  const s = new GoldenSession(DEVICES);
  s.activator = new ActivationEngine(s.disks);
  // The VM's partitions are block devices 8:1..8:4 (sda1..sda4); dm tables name them by number.
  DEVICES.forEach((d, i) => s.disks.numbers.set(d, `8:${i + 1}`));
  try {
    for (const file of ['01-pvcreate', '02-pvdisplay-new', '03-vgcreate', '04-lvcreate', '05-vgextend-lvextend', '06-snapshot', '08-lvremove', '12-errors', '13-sizes', '14-misc']) {
      for (const step of loadGolden(file)) {
        const first = step.command.split(' ')[0]!;
        if (step.command === 'lvs --version' || step.command === 'lvm version') {
          await t.test(`${file}: ${step.command}`, (st) => st.skip("ulvm prints no 'Driver version': it has no kernel device-mapper driver to report"));
          continue;
        }
        if (!(first in COMMANDS) && first !== 'lvm') {
          await t.test(`${file}: ${step.command}`, (st) => st.skip('not an lvm command: the VM listed /dev, ran mkfs or mount'));
          continue;
        }
        if (step.command.includes(' -vv')) {
          // -vv also prints every lvm.conf lookup; compare the lines about the device, as the lab report does.
          await t.test(`${file}: ${step.command} (lines about the device)`, async () => {
            const r = await s.run(step.command);
            const dev = step.command.split(' ').pop()!;
            const about = (x: string) => x.split('\n').filter((l) => l.includes(dev)).join('\n');
            assert.ok(r);
            assert.equal(r.stdout, step.stdout);
            assert.equal(about(r.stderr), about(step.stderr));
          });
          continue;
        }
        const r = await s.replay(step);
        if (!r) {
          await t.test(`${file}: ${step.command}`, (st) => st.skip('not an lvm command (shell pipeline or file system tool)'));
          continue;
        }
        await t.test(`${file}: ${step.command}`, () => assert.equal(r.actual, r.expected));
      }
    }
  } finally {
    s.close();
  }
});

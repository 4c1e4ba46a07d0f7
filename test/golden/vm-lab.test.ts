// The VM transcripts (lvm2 with a real kernel's device-mapper) replayed through ulvm with its
// userspace activation kept in-process: activation columns, lvdisplay's live lines, prompts.
// mkfs.ext4, mount and umount are replayed for their effect (vm-shell.ts); other non-lvm
// commands are not, and the steps whose output depends on what they wrote are skipped.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { GoldenSession, loadGolden, normalise, shellSplit, type GoldenStep } from './harness.ts';
import { MountTable, VmShell } from './vm-shell.ts';
import { ActivationEngine } from '../../src/activation/engine.ts';
import { COMMANDS } from '../../src/commands/index.ts';

const DEVICES = ['/dev/sda1', '/dev/sda2', '/dev/sda3', '/dev/sda4'];

/** Why a snapshot's Data% is not compared after ext4 was mounted on its origin. */
const FS_PERCENT = "Data% masked: it counts COW chunks of the VM's ext4 writes after mount (journal, lazy inode-table init, dd), which are not replayed";
const OVERFLOW = 'the snapshot overflowed from the dd writes through ext4, which are not replayed';
const POOL_FULL = "the pool ran out of data space from the dd writes through the VM's ext4, which are not replayed";

interface Part {
  file: string;
  /** Replay only the steps before the first one starting with this (a later issue's steps). */
  before?: string;
  /** Steps (by command line) whose snapshot usage percentages are masked, with FS_PERCENT's reason. */
  maskPercent?: string[];
  /** From the first step starting with this on, lvm steps are skipped with this reason (mount/umount still take effect). */
  skipFrom?: { command: string; why: string };
  /** Comparing starts again at this step (after skipFrom). */
  resumeAt?: string;
  /** Steps not compared, with the reason. */
  notCompared?: Record<string, string>;
}

/** Sessions: one VM session ran 01–14, a fresh one 15 (each on its own new disk). */
const SESSIONS: Part[][] = [
  [
    { file: '01-pvcreate' },
    { file: '02-pvdisplay-new' },
    { file: '03-vgcreate' },
    { file: '04-lvcreate' },
    { file: '05-vgextend-lvextend' },
    { file: '06-snapshot' },
    { file: '07-snapshot-overflow', maskPercent: ['lvs lab-vg2', 'lvdisplay lab-vg2/snap'], skipFrom: { command: 'dd if=/dev/zero of=/mnt/file2', why: OVERFLOW } },
    { file: '08-lvremove' },
    { file: '09-thinpool' },
    {
      file: '10-reports',
      notCompared: {
        'pvs -O -pv_free': "rows with equal keys keep the order lvm2 met them in, which follows its VG cache's hash order, not the PV names",
        'lvs -o all lab-vg1': "lv_host and vg_mda_free show the capture VM's host name, which is also in the metadata text whose size vg_mda_free counts",
      },
    },
    {
      file: '11-thin-fill',
      maskPercent: ['lvs -a'],
      skipFrom: { command: 'timeout 200 dd if=/dev/zero of=/mnt/file2', why: POOL_FULL },
      resumeAt: 'timeout 100 umount /mnt',
    },
    { file: '12-errors' },
    { file: '13-sizes' },
    { file: '14-misc' },
  ],
  [{ file: '15-extras', maskPercent: ['lvs vgB', 'lvs -o lv_name,lv_size,origin,origin_size,snap_percent,chunk_size,lv_attr vgB', 'vgdisplay -v vgB'] }],
];

/** Hides snapshot usage numbers: report cells like `4.33` and lvdisplay's `Allocated to snapshot` value. */
function maskPercent(text: string): string {
  return text
    .replace(/(Allocated to snapshot\s+)\d+\.\d\d%/g, '$1N%')
    .split('\n')
    .map((l) => (l.includes('Allocated to snapshot') ? l : l.replace(/\d+\.\d\d(?![\w.]) */g, (m) => '#'.repeat(m.length))))
    .join('\n');
}

async function replayStep(t: TestContext, s: GoldenSession, shell: VmShell, part: Part, step: GoldenStep, skipping: string | undefined): Promise<void> {
  const name = `${part.file}: ${step.command}`;
  const first = step.command.split(' ')[0]!;
  if (step.command === 'lvs --version' || step.command === 'lvm version') {
    await t.test(name, (st) => st.skip("ulvm prints no 'Driver version': it has no kernel device-mapper driver to report"));
    return;
  }
  const isLvm = (w: string) => w in COMMANDS || w === 'lvm';
  if (!isLvm(first) || !shellSplit(step.command)) {
    // A shell line: lvm commands mixed with tools the replay models (vm-shell.ts) or not.
    const r = await shell.run(step.command);
    const lvmPart = step.command.split(/&&|;/).some((p) => isLvm(p.trim().split(' ')[0]!));
    if (r.kind === 'output' && lvmPart && !skipping) {
      await t.test(name, () => assert.equal(normalise(`--- stdout\n${r.stdout}--- stderr\n${r.stderr}--- rc ${r.rc}\n`), normalise(`--- stdout\n${step.stdout}--- stderr\n${step.stderr}--- rc ${step.exit_code}\n`)));
      return;
    }
    const why = r.kind === 'output' ? 'not an lvm command (what it does to devices and open counts is replayed; its output is not compared)' : `not an lvm command: ${r.why}`;
    await t.test(name, (st) => st.skip(lvmPart && skipping ? skipping : why));
    return;
  }
  if (skipping) {
    await t.test(name, (st) => st.skip(skipping));
    return;
  }
  const why = part.notCompared?.[step.command];
  if (why) {
    await s.run(step.command);
    await t.test(name, (st) => st.skip(why));
    return;
  }
  if (step.command.includes(' -vv')) {
    // -vv also prints every lvm.conf lookup; compare the lines about the device, as the lab report does.
    await t.test(`${name} (lines about the device)`, async () => {
      const r = await s.run(step.command);
      const dev = step.command.split(' ').pop()!;
      const about = (x: string) => x.split('\n').filter((l) => l.includes(dev)).join('\n');
      assert.ok(r);
      assert.equal(r.stdout, step.stdout);
      assert.equal(about(r.stderr), about(step.stderr));
    });
    return;
  }
  const r = await s.replay(step);
  if (!r) {
    await t.test(name, (st) => st.skip('not an lvm command (shell pipeline or file system tool)'));
    return;
  }
  if (part.maskPercent?.includes(step.command) && maskPercent(r.expected) !== r.expected) {
    await t.test(`${name} (${FS_PERCENT})`, () => assert.equal(maskPercent(r.actual), maskPercent(r.expected)));
    return;
  }
  await t.test(name, () => assert.equal(r.actual, r.expected));
}

test('golden VM lab transcripts replay byte for byte', async (t) => {
  for (const parts of SESSIONS) {
    const s = new GoldenSession(DEVICES);
    const mounts = new MountTable();
    const engine = new ActivationEngine(s.disks, undefined, undefined, mounts);
    s.activator = engine;
    const shell = new VmShell(s.disks, engine, mounts, (line) => s.run(line), (w) => w in COMMANDS || w === 'lvm');
    // The VM's partitions are block devices 8:1..8:4 (sda1..sda4); dm tables name them by number.
    // Its device-mapper had the dynamic major 253.
    engine.major = 253;
    DEVICES.forEach((d, i) => s.disks.numbers.set(d, `8:${i + 1}`));
    try {
      for (const part of parts) {
        let skipping: string | undefined;
        for (const step of loadGolden(part.file, part.before)) {
          if (part.skipFrom && step.command.startsWith(part.skipFrom.command)) skipping = part.skipFrom.why;
          if (part.resumeAt && step.command === part.resumeAt) skipping = undefined;
          await replayStep(t, s, shell, part, step, skipping);
        }
      }
    } finally {
      await engine.closeAll();
      s.close();
    }
  }
});

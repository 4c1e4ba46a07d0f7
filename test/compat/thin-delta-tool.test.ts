// Our thin delta against thin-provisioning-tools 0.9.0's thin_delta on the same metadata image:
// the whole output, plain and --verbose, byte for byte, for thins and snapshots with changes on
// both sides, changes at the end of the device (thin_delta once dropped the last run,
// jthornber/thin-provisioning-tools#25), a device reduced after its snapshot (thin_delta reports
// the stale mappings past the new end, tasket/wyng-backup#56: it cannot know the LV's size, and
// our changed-blocks query, which is told the sizes, must not), and a held metadata snapshot (-m).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '../../src/devices/file.ts';
import { MetadataSnapshot } from '../../src/pdata/metadata-snapshot.ts';
import { ThinMetadata } from '../../src/pdata/thin-metadata.ts';
import { type DeltaRun, changedBlocks, thinDelta, thinDeltaVerbose } from '../../src/pdata/thin-delta.ts';
import { formatThinDelta } from '../../src/pdata/thin-delta-xml.ts';

const THIN_DELTA = '/usr/sbin/thin_delta';
const skip = spawnSync(THIN_DELTA, ['-V']).error ? `${THIN_DELTA} not installed (thin-provisioning-tools)` : false;

function thinDeltaTool(meta: string, args: string[]): string {
  const r = spawnSync(THIN_DELTA, [...args, meta], { encoding: 'utf8' });
  assert.equal(r.status, 0, `thin_delta ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function plainRuns(xml: string): DeltaRun[] {
  return [...xml.matchAll(/<(same|different|left_only|right_only) begin="(\d+)" length="(\d+)"\/>/g)].map((m) => ({ kind: m[1] as DeltaRun['kind'], begin: Number(m[2]), length: Number(m[3]) }));
}

function withPool(mib: number, nrDataBlocks: number, f: (md: ThinMetadata, meta: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'thin-delta-'));
  try {
    const meta = join(dir, 'meta');
    const fd = openSync(meta, 'w');
    ftruncateSync(fd, mib << 20);
    closeSync(fd);
    f(ThinMetadata.format(new FileDevice(meta, true), { dataBlockSize: 128, nrDataBlocks }), meta);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Commits, then compares thin_delta's output with ours for both directions of each pair, plain and verbose. */
function agree(md: ThinMetadata, meta: string, pairs: [number, number][]): void {
  md.commit();
  for (const [a, b] of pairs) {
    for (const [l, r] of [[a, b], [b, a]]) {
      const args = ['--snap1', String(l), '--snap2', String(r)];
      assert.equal(formatThinDelta(md.superblock, l, r, thinDelta(md, l, r), false), thinDeltaTool(meta, args), `${l} vs ${r}`);
      assert.equal(formatThinDelta(md.superblock, l, r, thinDeltaVerbose(md, l, r), true), thinDeltaTool(meta, ['--verbose', ...args]), `${l} vs ${r} --verbose`);
    }
  }
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

test('a thin and snapshots of it (and of a snapshot) with writes, removes and range removes on every side: identical output, plain and --verbose', { skip }, () => {
  withPool(16, 40000, (md, meta) => {
    const rand = rng(7);
    md.createThin(0);
    for (let v = 0; v < 9000; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.createSnap(1, 0);
    md.createSnap(2, 1);
    md.createThin(3);
    for (const id of [0, 1, 2, 3]) {
      for (let i = 0; i < 120; i++) {
        const v = rand(12000);
        const op = rand(4);
        if (op < 2) for (let k = 0; k < 1 + rand(20); k++) md.insertMapping(id, v + k, md.allocDataBlock());
        else if (op === 2) md.removeMapping(id, v);
        else md.removeRange(id, v, v + rand(300));
      }
    }
    agree(md, meta, [[0, 1], [1, 2], [0, 2], [0, 3], [3, 3], [1, 1]]);
  });
});

test('changes at the very end of the device, a device ending in a run only one side has, an empty device: the last run is reported', { skip }, () => {
  withPool(8, 10000, (md, meta) => {
    md.createThin(0);
    // Shaped like #25's report: every 4th block, then a run at 248-249 (the blocks that went missing).
    for (let v = 0; v < 248; v += 4) md.insertMapping(0, v, md.allocDataBlock());
    md.insertMapping(0, 248, md.allocDataBlock());
    md.insertMapping(0, 249, md.allocDataBlock());
    md.createSnap(1, 0);
    md.insertMapping(1, 248, md.allocDataBlock());
    md.insertMapping(1, 249, md.allocDataBlock());
    md.createSnap(2, 0);
    md.insertMapping(2, 250, md.allocDataBlock());
    md.insertMapping(2, 251, md.allocDataBlock());
    md.createSnap(3, 0);
    md.removeRange(3, 240, 250);
    md.createThin(4);
    md.insertMapping(4, 249, md.allocDataBlock());
    md.createThin(5);
    agree(md, meta, [[0, 1], [0, 2], [0, 3], [0, 4], [1, 2], [3, 4], [0, 5], [5, 5]]);
    md.commit();
    assert.deepEqual(thinDelta(md, 0, 1).at(-1), { kind: 'different', begin: 248, length: 2 });
    assert.deepEqual(thinDelta(md, 0, 2).at(-1), { kind: 'right_only', begin: 250, length: 2 });
    assert.deepEqual(thinDelta(md, 0, 3).slice(-3), [240, 244, 248].map((begin) => ({ kind: 'left_only', begin, length: begin === 248 ? 2 : 1 })));
  });
});

test('a device reduced after its snapshot: thin_delta reports the stale mappings past the new end; changed blocks, told the sizes, does not', { skip }, () => {
  withPool(8, 10000, (md, meta) => {
    md.createThin(0);
    for (let v = 0; v < 2000; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.createSnap(1, 0);
    // lvreduce to 1500 blocks discards nothing: the kernel and lvm2 leave the mappings past the end.
    md.insertMapping(0, 1499, md.allocDataBlock());
    md.insertMapping(0, 1700, md.allocDataBlock());
    md.removeRange(0, 1800, 1900);
    md.createSnap(2, 0);
    agree(md, meta, [[1, 0], [1, 2], [0, 2]]);
    const theirs = plainRuns(thinDeltaTool(meta, ['--snap1', '1', '--snap2', '2']));
    // thin_delta describes the metadata, which is all it can see: runs past block 1500.
    assert.ok(theirs.some((r) => r.kind !== 'same' && r.begin + r.length > 1500), JSON.stringify(theirs));
    // The reduced LV has 1500 blocks and so had its snapshot taken after the reduce (2); the one
    // taken before (1) had 2000. Past 1500 nothing exists any more on the right.
    assert.deepEqual(changedBlocks(md, 1, 2, { leftBlocks: 2000, rightBlocks: 1500 }), [{ kind: 'different', begin: 1499, length: 1 }]);
    // Within the sizes, ours is thin_delta's answer clipped, nothing more.
    const clipped = theirs.filter((r) => r.kind !== 'same' && r.begin < 1500).map((r) => ({ ...r, length: Math.min(r.length, 1500 - r.begin) }));
    assert.deepEqual(changedBlocks(md, 1, 2, { rightBlocks: 1500 }), clipped);
  });
});

test('a held metadata snapshot (-m, and -m with its block): identical output while the live pool has moved on', { skip }, () => {
  withPool(16, 20000, (md, meta) => {
    md.createThin(0);
    for (let v = 0; v < 5000; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.createSnap(1, 0);
    for (let v = 300; v < 340; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.removeRange(1, 4000, 4100);
    const held = md.reserveMetadataSnap();
    for (let v = 1000; v < 1100; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.removeRange(0, 0, 50);
    md.commit();
    const snap = MetadataSnapshot.open(new FileDevice(meta, false));
    const live = MetadataSnapshot.of(md);
    for (const [l, r] of [[0, 1], [1, 0]]) {
      const args = ['--snap1', String(l), '--snap2', String(r)];
      const want = thinDeltaTool(meta, ['-m', ...args]);
      assert.equal(formatThinDelta(snap.superblock, l, r, thinDelta(snap, l, r), false), want);
      assert.equal(formatThinDelta(live.superblock, l, r, thinDelta(live, l, r), false), want);
      assert.equal(thinDeltaTool(meta, [`--metadata-snap=${held}`, ...args]), want);
      assert.equal(formatThinDelta(snap.superblock, l, r, thinDeltaVerbose(snap, l, r), true), thinDeltaTool(meta, ['-m', '--verbose', ...args]));
      // The live view differs: the pool kept writing after the reserve.
      assert.notEqual(formatThinDelta(md.superblock, l, r, thinDelta(md, l, r), false), want);
      assert.equal(formatThinDelta(md.superblock, l, r, thinDelta(md, l, r), false), thinDeltaTool(meta, args));
    }
  });
});

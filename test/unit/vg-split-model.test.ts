// Which LVs follow the PVs vgsplit moves (model/vg-split.ts), over hand-made VGs: plain LVs by
// their extents, LVs built on others (raid and the like) only with all of them, snapshots only
// with origin and COW store, virtual LVs (no extents) always, as lvm2's vgsplit.c does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LogicalVolume, PhysicalVolume, Segment, VolumeGroup } from '../../src/model/types.ts';
import { moveLvsWithPvs, pvsUsedByLv, SplitRefusal } from '../../src/model/vg-split.ts';

const pv = (id: string): PhysicalVolume => ({ id, device: `/dev/${id}`, status: ['ALLOCATABLE'], flags: [], tags: [], devSize: 8192, peStart: 2048, peCount: 10 });
const base = { startExtent: 0, extentCount: 1, tags: [] as string[] };
const onPv = (name: string, pvId: string, visible = false): LogicalVolume => ({
  name,
  id: name,
  status: visible ? ['READ', 'WRITE', 'VISIBLE'] : ['READ', 'WRITE'],
  flags: [],
  tags: [],
  segments: [{ ...base, kind: 'striped', type: 'striped', areas: [{ kind: 'pv', pvId, pe: 0 }] }],
});
const virtual = (name: string): LogicalVolume => ({ name, id: name, status: ['VISIBLE'], flags: [], tags: [], segments: [{ ...base, kind: 'zero', type: 'zero' }] });
const snapshotOf = (holder: string, origin: string, cow: string): LogicalVolume => ({
  name: holder,
  id: holder,
  status: [],
  flags: [],
  tags: [],
  segments: [{ ...base, kind: 'snapshot', type: 'snapshot', origin, cowStore: cow, chunkSize: 8 }],
});
const vg = (name: string, pvs: string[], lvs: LogicalVolume[]): VolumeGroup => ({ name, id: name, seqno: 1, status: [], flags: [], tags: [], extentSize: 8192, maxLv: 0, maxPv: 0, metadataCopies: 0, pvs: pvs.map(pv), lvs });

/** A raid-like LV (kept raw in ulvm): its segment names its images, as segtypes' references does. */
const RAID_IMAGES: Record<string, string[]> = { r: ['r_rimage_0', 'r_rimage_1'] };
const references = (seg: Segment): string[] => (seg.kind === 'zero' ? (RAID_IMAGES[(seg as Segment & { owner?: string }).owner ?? ''] ?? []) : seg.kind === 'snapshot' ? [seg.origin, seg.cowStore!] : []);
function raid(): LogicalVolume {
  const lv = virtual('r');
  Object.assign(lv.segments[0]!, { owner: 'r' });
  return lv;
}

/** Moves the PVs with these ids from a copy of `from` to a new VG; names on each side, or the refusal. */
function split(from: VolumeGroup, ids: string[]): { from: string[]; to: string[] } | string {
  const f = structuredClone(from);
  const t = vg('to', [], []);
  for (const id of ids) {
    t.pvs.push(f.pvs.find((p) => p.id === id)!);
    f.pvs = f.pvs.filter((p) => p.id !== id);
  }
  try {
    moveLvsWithPvs({ from: f, to: t, isActive: () => false, references });
  } catch (e) {
    if (e instanceof SplitRefusal) return e.message;
    throw e;
  }
  return { from: f.lvs.map((l) => l.name), to: t.lvs.map((l) => l.name) };
}

test('plain, virtual and stacked LVs', () => {
  const v = vg('va', ['p1', 'p2', 'p3'], [onPv('a', 'p1', true), virtual('z'), raid(), onPv('r_rimage_0', 'p2'), onPv('r_rimage_1', 'p3')]);
  assert.deepEqual(split(v, ['p1']), { from: ['r', 'r_rimage_0', 'r_rimage_1'], to: ['a', 'z'] }, 'a virtual LV goes to the new VG');
  assert.equal(split(v, ['p3']), "Can't split Logical Volume r between two Volume Groups");
  assert.deepEqual(split(v, ['p2', 'p3']), { from: ['a'], to: ['z', 'r_rimage_0', 'r_rimage_1', 'r'] });
  // A plain LV over two PVs may not be cut in two.
  const span = vg('va', ['p1', 'p2'], [{ ...onPv('s', 'p1', true), segments: [...onPv('s', 'p1').segments, { ...onPv('s', 'p2').segments[0]!, startExtent: 1 }] }]);
  assert.equal(split(span, ['p2']), "Can't split Logical Volume s between two Volume Groups");
  assert.deepEqual(pvsUsedByLv(v, v.lvs.find((l) => l.name === 'r')!, references), ['p2', 'p3'], 'vgsplit -n takes the PVs of the images');
});

test('snapshots go only with their origin and COW store', () => {
  const v = vg('va', ['p1', 'p2', 'p3'], [onPv('o', 'p1', true), onPv('c', 'p2', true), snapshotOf('snapshot0', 'o', 'c'), onPv('x', 'p3', true)]);
  assert.equal(split(v, ['p2']), "Can't split snapshot c between two Volume Groups");
  assert.equal(split(v, ['p1']), "Can't split snapshot c between two Volume Groups");
  assert.deepEqual(split(v, ['p1', 'p2']), { from: ['x'], to: ['o', 'c', 'snapshot0'] });
  assert.deepEqual(split(v, ['p3']), { from: ['o', 'c', 'snapshot0'], to: ['x'] });
});

// In-memory lab states reproducing the golden transcripts (host loop devices, h05/h07).
import type { LogicalVolume, PhysicalVolume, VolumeGroup } from '../../src/model/types.ts';
import type { LvActivation, LvObject, PvObject, VgObject } from '../../src/report/objects.ts';
import { readFileSync } from 'node:fs';

const GOLDEN = new URL('../fixtures/golden/json', import.meta.url).pathname;

export interface GoldenStep {
  command: string;
  stdout: string;
  stderr: string;
  exit_code: number;
}

export function golden(file: string, command: string, nth = 0): GoldenStep {
  const d = JSON.parse(readFileSync(`${GOLDEN}/${file}.json`, 'utf8')) as { steps: GoldenStep[] };
  const hits = d.steps.filter((s) => s.command === command);
  const s = hits[nth];
  if (!s) throw new Error(`no golden step ${file}: ${command}`);
  return s;
}

const MIB = 2048;
const DEV_25M = 25 * MIB;

export function pv(id: string, device: string, peCount: number, devSize = DEV_25M): PhysicalVolume {
  return { id, device, status: ['ALLOCATABLE'], flags: [], tags: [], devSize, peStart: 2048, peCount };
}

export function linearLv(name: string, id: string, segs: [pvId: string, pe: number, len: number][]): LogicalVolume {
  let le = 0;
  return {
    name,
    id,
    status: ['READ', 'WRITE', 'VISIBLE'],
    flags: [],
    tags: [],
    segments: segs.map(([pvId, pe, len]) => {
      const s = { kind: 'striped' as const, startExtent: le, extentCount: len, type: 'striped', tags: [], areas: [{ kind: 'pv' as const, pvId, pe }] };
      le += len;
      return s;
    }),
  };
}

export function vg(name: string, id: string, pvs: PhysicalVolume[], lvs: LogicalVolume[], seqno = 1): VolumeGroup {
  return {
    name, id, seqno, status: ['RESIZEABLE', 'READ', 'WRITE'], flags: [], tags: [], extentSize: 8192,
    maxLv: 0, maxPv: 0, metadataCopies: 0, pvs, lvs,
  };
}

export interface Lab {
  pvos: PvObject[];
  vgos: VgObject[];
  lvos: LvObject[];
}

/** PvObjects for the given devices; `members` maps device → [vg, pv]. */
export function lab(devices: string[], vgs: VolumeGroup[], act: LvActivation = { state: 'unknown' }, ids: Record<string, string> = {}): Lab {
  const vgos: VgObject[] = vgs.map((v) => ({
    vg: v,
    mdaCount: v.pvs.length,
    mdaUsedCount: v.pvs.length,
    mdaSize: 1044480,
    mdaFree: 519680,
    missingPvIds: new Set(),
    pvDevice: new Map(v.pvs.map((p) => [p.id, p.device])),
  }));
  const pvos: PvObject[] = devices.map((d) => {
    const v = vgs.find((x) => x.pvs.some((p) => p.device === d));
    const p = v?.pvs.find((x) => x.device === d);
    return {
      name: d, devSize: p?.devSize ?? DEV_25M, isPv: true, pvId: p?.id ?? ids[d] ?? 'x'.repeat(32), vg: v, pv: p,
      peStart: 2048, mdas: [{ size: 1044480, free: 521216, ignored: false }], extVersion: 2, missing: false,
    };
  });
  const lvos: LvObject[] = [];
  for (const vgo of vgos) for (const lv of vgo.vg.lvs) lvos.push({ vgo, lv, activation: act });
  return { pvos, vgos, lvos };
}

export const LOOPS = ['/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3'];

/** h05 after lvextend: lab-vg1 = loop0+loop3 with lvol0 (10 extents, two segments), lab-vg2 = loop1+loop2. */
export function h05(): Lab {
  const p0 = pv('A0'.padEnd(32, 'a'), '/dev/loop0', 6);
  const p1 = pv('A1'.padEnd(32, 'b'), '/dev/loop1', 6);
  const p2 = pv('A2'.padEnd(32, 'c'), '/dev/loop2', 6);
  const p3 = pv('A3'.padEnd(32, 'd'), '/dev/loop3', 6);
  const lvol0 = linearLv('lvol0', 'L0'.padEnd(32, 'e'), [[p0.id, 0, 6], [p3.id, 0, 4]]);
  const vg1 = vg('lab-vg1', 'V1'.padEnd(32, 'f'), [p0, p3], [lvol0], 4);
  const vg2 = vg('lab-vg2', 'V2'.padEnd(32, 'g'), [p1, p2], []);
  return lab(LOOPS, [vg1, vg2]);
}

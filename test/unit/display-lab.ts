// Test lab for the display commands: memory disks with real PV labels and committed VG metadata,
// built with the UUIDs of the golden transcripts, and a way to run a command against them.
process.env.TZ = 'UTC';

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryDisks } from '../../src/devices/memory.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { Ctx } from '../../src/ops/context.ts';
import { createPv } from '../../src/metadata/pv-write.ts';
import { commitVg } from '../../src/metadata/commit.ts';
import { textHeader } from '../../src/metadata/stamp.ts';
import { parseId } from '../../src/formats/uuid.ts';
import { peCount } from '../../src/model/layout.ts';
import type { LogicalVolume, PhysicalVolume, Segment, VolumeGroup } from '../../src/model/types.ts';

export const MiB = 1024 * 1024;

export const id = (uuid: string): string => {
  const v = parseId(uuid);
  if (!v) throw new Error(`bad uuid ${uuid}`);
  return v;
};

/** Unix time of a `YYYY-MM-DD HH:MM:SS` UTC stamp from a transcript. */
export const at = (stamp: string): number => Date.parse(`${stamp.replace(' ', 'T')}Z`) / 1000;

export interface Result {
  stdout: string;
  stderr: string;
  rc: number;
}

export class Lab {
  readonly disks = new MemoryDisks();
  readonly dir = mkdtempSync(join(tmpdir(), 'ulvm-display-'));
  readonly paths: string[] = [];
  private pvIds = new Map<string, string>();

  /** A device with a fresh PV label (pvcreate defaults: 1 MiB pe_start, one mda). */
  pv(path: string, bytes: number, uuid: string): this {
    this.disks.add(path, bytes);
    createPv(this.disks, path, id(uuid), {});
    this.paths.push(path);
    this.pvIds.set(path, id(uuid));
    return this;
  }

  pvId(path: string): string {
    return this.pvIds.get(path)!;
  }

  /** Commits a VG made of the given PV devices; LVs may be added by the caller first. */
  vg(name: string, uuid: string, devices: string[], opts: { extentMiB?: number; seqno?: number; lvs?: LogicalVolume[] } = {}): VolumeGroup {
    const extentSize = (opts.extentMiB ?? 4) * 2048;
    const pvs: PhysicalVolume[] = devices.map((p) => {
      const sectors = this.disks.disks.get(p)!.size / 512;
      return { id: this.pvId(p), device: p, status: ['ALLOCATABLE'], flags: [], tags: [], devSize: sectors, peStart: 2048, peCount: peCount(sectors, 2048, extentSize) };
    });
    const vg: VolumeGroup = {
      name,
      id: id(uuid),
      seqno: opts.seqno ?? 1,
      status: ['RESIZEABLE', 'READ', 'WRITE'],
      flags: [],
      tags: [],
      extentSize,
      maxLv: 0,
      maxPv: 0,
      metadataCopies: 0,
      pvs,
      lvs: opts.lvs ?? [],
    };
    commitVg(this.disks, vg, devices, textHeader('test', 1_700_000_000));
    return vg;
  }

  ctx(command: string, options: Record<string, string[]> = {}, positionals: string[] = []): { ctx: Ctx; io: BufferIo } {
    const io = new BufferIo();
    const map = new Map<string, string[]>(Object.entries(options));
    if (!map.has('devices')) map.set('devices', [...this.paths]);
    const ctx = new Ctx(
      { io, env: { ULVM_SYSTEM_DIR: this.dir, ULVM_RUN_DIR: this.dir }, uid: 0, cwd: '/', opener: this.disks },
      { command, defId: command, options: map, positionals },
      [command, ...positionals].join(' '),
    );
    return { ctx, io };
  }

  /** Runs a command module the way the CLI does (CmdError lines go to stderr). */
  async run(mod: { run: (ctx: Ctx) => Promise<number> }, command: string, options: Record<string, string[]> = {}, positionals: string[] = []): Promise<Result> {
    const { ctx, io } = this.ctx(command, options, positionals);
    let rc: number;
    try {
      rc = await mod.run(ctx);
    } catch (e) {
      const lines = (e as { lines?: string[] }).lines;
      if (!lines) throw e;
      for (const l of lines) io.err(`  ${l}\n`);
      rc = (e as { rc: number }).rc;
    }
    return { stdout: io.stdout, stderr: io.stderr, rc };
  }
}


export function lv(name: string, uuid: string, when: string, host: string, segments: Segment[], visible = true): LogicalVolume {
  return {
    name,
    id: id(uuid),
    status: ['READ', 'WRITE', ...(visible ? ['VISIBLE'] : [])],
    flags: [],
    tags: [],
    creationTime: at(when),
    creationHost: host,
    segments,
  };
}

/** A linear (one-stripe striped) segment. */
export function linear(start: number, count: number, pvId: string, pe: number): Segment {
  return { kind: 'striped', startExtent: start, extentCount: count, type: 'striped', tags: [], areas: [{ kind: 'pv', pvId, pe }] };
}

export function striped(start: number, count: number, stripeSize: number, areas: [string, number][]): Segment {
  return { kind: 'striped', startExtent: start, extentCount: count, type: 'striped', tags: [], stripeSize, areas: areas.map(([pvId, pe]) => ({ kind: 'pv', pvId, pe })) };
}

/** The hidden snapshotN LV that ties a COW LV to its origin. */
export function snapshotHolder(name: string, uuid: string, when: string, host: string, origin: string, cow: string, originExtents: number, chunk: number): LogicalVolume {
  const seg: Segment = { kind: 'snapshot', startExtent: 0, extentCount: originExtents, type: 'snapshot', tags: [], chunkSize: chunk, origin, cowStore: cow };
  return lv(name, uuid, when, host, [seg]);
}

export function thinPoolSeg(count: number, data: string, meta: string, chunk: number): Segment {
  return {
    kind: 'thin-pool',
    startExtent: 0,
    extentCount: count,
    type: 'thin-pool',
    tags: [],
    metadata: meta,
    pool: data,
    transactionId: 1,
    chunkSize: chunk,
    discards: 'passdown',
    zeroNewBlocks: true,
    extra: [],
  };
}

export function thinSeg(count: number, pool: string, deviceId: number): Segment {
  return { kind: 'thin', startExtent: 0, extentCount: count, type: 'thin', tags: [], thinPool: pool, transactionId: 0, deviceId, extra: [] };
}

interface Step {
  command: string;
  stdout: string;
  stderr: string;
  exit_code: number;
}

/** The `nth` step (0-based among equal command lines) of a golden transcript. */
export function golden(file: string, command: string, nth = 0): Step {
  const path = new URL(`../fixtures/golden/json/${file}.json`, import.meta.url);
  const steps = (JSON.parse(readFileSync(path, 'utf8')) as { steps: Step[] }).steps.filter((x) => x.command === command);
  const step = steps[nth];
  if (!step) throw new Error(`no step "${command}" #${nth} in ${file}`);
  return step;
}

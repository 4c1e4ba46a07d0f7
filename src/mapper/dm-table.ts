// What the registry knows of a table besides its data path: per line a target that can print its
// parameters (the kernel's STATUSTYPE_TABLE), its status (STATUSTYPE_INFO), name the devices it
// uses and, for some target types, take a message — as the kernel's target_type callbacks do.
import type { BlockTarget } from './target.ts';
import type { Table, TableTarget } from './table.ts';

export interface DmTarget {
  readonly type: string;
  /** Parameters after the type, as `dmsetup table` prints them ('' for none). */
  table(): string;
  /** What `dmsetup status` prints after the type ('' for targets without status). */
  status(): string;
  /** Devices the parameters name (paths or `major:minor`), in table order. */
  devices(): string[];
  /** The target's message handler; targets without one refuse messages. */
  message?(text: string): Promise<string>;
}

export interface DmTableLine {
  /** Start sector and length in sectors. */
  start: number;
  length: number;
  target: DmTarget;
}

export interface DmTable {
  lines: DmTableLine[];
  /** Where the device's I/O goes while this table is live. */
  io: BlockTarget;
  readOnly: boolean;
}

export function lineText(l: DmTableLine): string {
  const p = l.target.table();
  return `${l.start} ${l.length} ${l.target.type}${p ? ` ${p}` : ''}`;
}

/** Devices a table uses, each once, in the kernel's deps order (the last one added first). */
export function tableDeps(t: DmTable): string[] {
  const seen: string[] = [];
  for (const l of t.lines) for (const d of l.target.devices()) if (!seen.includes(d)) seen.push(d);
  return seen.reverse();
}

function plainTarget(t: TableTarget): DmTarget {
  const none = { status: () => '' };
  if (t.type === 'linear') return { type: 'linear', table: () => `${t.area.dev.path} ${t.area.start}`, devices: () => [t.area.dev.path], ...none };
  if (t.type === 'striped')
    return {
      type: 'striped',
      table: () => `${t.areas.length} ${t.chunkSectors} ${t.areas.map((a) => `${a.dev.path} ${a.start}`).join(' ')}`,
      devices: () => t.areas.map((a) => a.dev.path),
      ...none,
    };
  return { type: t.type, table: () => '', devices: () => [], ...none };
}

/** A linear/striped/zero/error table as the registry holds it. */
export function plainDmTable(t: Table): DmTable {
  return { lines: t.lines.map((l) => ({ start: l.start, length: l.length, target: plainTarget(l.target) })), io: t, readOnly: t.caps.readOnly };
}

/** A table of one line over the whole of `io`. */
export function oneLine(io: BlockTarget, target: DmTarget, readOnly: boolean): DmTable {
  return { lines: [{ start: 0, length: io.size / 512, target }], io, readOnly };
}

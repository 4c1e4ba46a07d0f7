// Turning -L/-l arguments into extents with lvm2's rounding rules and messages.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import { parseSizeArg } from './sizes.ts';
import { displaySize } from '../report/units.ts';

export interface SizeRequest {
  sign: '' | '+' | '-';
  /** Exact extents (for -L after rounding, for -l as given). */
  extents: number;
  percent?: 'VG' | 'FREE' | 'PVS' | 'LV' | 'ORIGIN';
  /** For percentages: the percentage value. */
  value?: number;
  /** -L given: sectors requested, before rounding. */
  sectors?: number;
  /** The argument as the user wrote it, for lvm2's messages about it. */
  text?: string;
}

/** A size given in sectors (lvm2's -L after parsing). */
export interface SizeValue {
  sign: '' | '+' | '-';
  sectors: number;
  text?: string;
}

/** How big a new LV is to be: -L (size) or -l (extents, maybe a percentage); one of the two. */
export interface NewLvSize {
  size?: SizeValue;
  extents?: SizeRequest;
}

/** The -L/-l of the command line, as a NewLvSize (the arguments kept for lvm2's messages). */
export function newLvSizeArgs(ctx: Ctx): NewLvSize {
  const L = ctx.opt('size');
  if (L !== undefined) return { size: { ...parseSize(L), text: L } };
  const l = ctx.opt('extents');
  if (l !== undefined) return { extents: { ...parseExtents(l), text: l } };
  return {};
}

const PERCENTS: [string, SizeRequest['percent']][] = [
  ['VG', 'VG'], ['V', 'VG'], ['FREE', 'FREE'], ['FR', 'FREE'], ['F', 'FREE'], ['PVS', 'PVS'], ['PV', 'PVS'], ['P', 'PVS'],
  ['LV', 'LV'], ['L', 'LV'], ['ORIGIN', 'ORIGIN'], ['OR', 'ORIGIN'], ['O', 'ORIGIN'],
];

export function parseExtents(arg: string): SizeRequest {
  const m = /^([+-]?)(\d+)(?:%(\w+))?$/.exec(arg);
  if (!m) fail([`Invalid argument for --extents: ${arg}`, 'Error during parsing of command line.'], 3);
  const sign = m[1] as SizeRequest['sign'];
  const n = parseInt(m[2]!, 10);
  if (m[3] === undefined) return { sign, extents: n };
  const p = PERCENTS.find(([k]) => k === m[3]!.toUpperCase());
  if (!p) fail([`Specified %${m[3]} is unknown.`, `Invalid argument for --extents: ${arg}`, 'Error during parsing of command line.'], 3);
  return { sign, extents: 0, percent: p[1], value: n };
}

/** A size argument the parser has already accepted, in sectors with its sign. */
export function sizeArg(arg: string, defaultUnit: 'k' | 'm' | 's', option = 'size'): { sign: SizeRequest['sign']; sectors: number } {
  const s = parseSizeArg(arg, defaultUnit);
  if (!s.ok) fail([s.message ?? "Can't parse size argument.", `Invalid argument for --${option}: ${arg}`, 'Error during parsing of command line.'], 3);
  return { sign: s.sign as SizeRequest['sign'], sectors: s.sectors };
}

/** Reads -L/--size: sectors with its sign (MiB when no unit). */
export function parseSize(arg: string): { sign: SizeRequest['sign']; sectors: number } {
  return sizeArg(arg, 'm');
}

/**
 * lvm2 refuses a zero -L/-l while reading the size parameters (before it looks at any VG), with
 * the command-line error code: `-L 0`, `-L +0`, `-l 0`, `-l 0%FREE` alike.
 */
export function checkSizeNotZero(ctx: Ctx): void {
  const run = `Run \`${ctx.args.command} --help' for more information.`;
  const L = ctx.opt('size');
  if (L !== undefined && parseSize(L).sectors === 0) fail(['--size may not be zero.', run], 3);
  const l = ctx.opt('extents');
  if (l !== undefined) {
    const r = parseExtents(l);
    if ((r.percent ? r.value : r.extents) === 0) fail(['--extents may not be zero.', run], 3);
  }
}

/** lvcreate's rounding: up to whole extents, with the message lvm2 prints. */
export function roundUpToExtents(ctx: Ctx, sectors: number, extentSize: number): number {
  const extents = Math.ceil(sectors / extentSize);
  if (extents * extentSize !== sectors) ctx.print(`Rounding up size to full physical extent ${displaySize(extents * extentSize)}`);
  return extents;
}

/** percent_of_extents: (percent * count + (roundup ? 99 : 0)) / 100. */
export function percentOf(percent: number, count: number, roundUp: boolean): number {
  return Math.floor((percent * count + (roundUp ? 99 : 0)) / 100);
}

/**
 * lvcreate's -L/-l: extents wanted, with lvm2's rounding message and errors. `percentBase` gives
 * the extent count a `%WORD` refers to, or fails as lvm2 does for words this form does not take.
 */
export function lvcreateExtents(
  ctx: Ctx,
  want: NewLvSize,
  extentSize: number,
  percentBase: (word: string) => number,
  /** Extents for a `%WORD` computed otherwise than as a share of a base (lvcreate -s's %ORIGIN). */
  special?: (word: string, value: number) => number | undefined,
): { extents: number; approximate: boolean } {
  if (want.size) {
    const s = want.size;
    if (s.sign === '-') fail(['Size may not be negative.', `Invalid argument for --size: ${s.text ?? `-${s.sectors}s`}`, 'Error during parsing of command line.'], 3, 'INVALID_ARGUMENT');
    return { extents: roundUpToExtents(ctx, s.sectors, extentSize), approximate: false };
  }
  const r = want.extents ?? fail('Please specify either size or extents (not both).', 3, 'INVALID_ARGUMENT');
  if (r.sign === '-') fail(['Negative number not permitted.', `Invalid argument for --extents: ${r.text ?? `-${r.extents}`}`, 'Error during parsing of command line.'], 3, 'INVALID_ARGUMENT');
  if (!r.percent) return { extents: r.extents, approximate: false };
  return { extents: special?.(r.percent, r.value!) ?? percentOf(r.value!, percentBase(r.percent), false), approximate: true };
}

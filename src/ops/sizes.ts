// Interpretation of size, extent and number arguments exactly as lvm2's tools/lvmcmdline.c
// (_size_arg, _extents_arg, _get_int_arg, dm_units_to_factor for --units). Sizes come out in
// 512-byte sectors; the messages are lvm2's texts without the two-space log prefix.

export type Sign = '+' | '-' | '';

export type Result<T> = ({ ok: true } & T) | { ok: false; message?: string };

export interface SizeValue {
  sign: Sign;
  /** Size in 512-byte sectors, truncated toward zero like lvm2's (uint64_t) cast. */
  sectors: number;
}

/** Unit that applies without a suffix: KiB (chunk/stripe sizes), MiB (LV sizes), sectors (readahead). */
export type DefaultUnit = 'k' | 'm' | 's';

const DEFAULT_FACTOR: Record<DefaultUnit, number> = { k: 2, m: 2048, s: 1 };
const SUFFIXES = 'kmgtpebs';
/** UINT64_MAX >> 9 as the double lvm2 compares against. */
const SIZE_LIMIT = 2 ** 55;

function splitSign(s: string): { sign: Sign; rest: string } {
  if (s.startsWith('+')) return { sign: '+', rest: s.slice(1) };
  if (s.startsWith('-')) return { sign: '-', rest: s.slice(1) };
  return { sign: '', rest: s };
}

/** Longest prefix strtod() accepts, given that it starts with a digit or '.'. */
function strtodPrefix(s: string): string {
  const hex = /^0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?/.exec(s);
  if (hex) return hex[0];
  const dec = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(s);
  return dec ? dec[0] : '';
}

function strtodValue(text: string): number {
  if (/^0[xX]/.test(text)) {
    const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?[0-9]+))?$/.exec(text);
    if (!m) return NaN;
    const int = m[1] ? parseInt(m[1], 16) : 0;
    const frac = m[2] ? parseInt(m[2], 16) / 16 ** m[2].length : 0;
    return (int + frac) * 2 ** (m[3] ? parseInt(m[3], 10) : 0);
  }
  return Number(text);
}

/** Common part of every size option (lvm2 `_size_arg`). */
export function parseSizeArg(s: string, defaultUnit: DefaultUnit): Result<SizeValue> {
  const { sign, rest } = splitSign(s);
  if (rest.startsWith('+') || rest.startsWith('-')) return { ok: false, message: 'Multiple sign symbols detected.' };
  if (!/^[0-9.]/.test(rest)) return { ok: false, message: 'Size requires number argument.' };
  const num = strtodPrefix(rest);
  if (num === '') return { ok: false, message: `Can't parse size argument at '${rest[0]}'.` };
  let v = strtodValue(num);
  const tail = rest.slice(num.length);
  if (!Number.isFinite(v)) {
    return { ok: false, message: `Can't parse size argument at '${tail[0] ?? ''}'. Numerical result out of range` };
  }
  if (tail !== '') {
    // Only the first character after the number is looked at: "20MiB" is 20 MiB.
    const i = SUFFIXES.indexOf(tail[0].toLowerCase());
    if (i < 0) return { ok: false, message: "Can't parse size argument." };
    if (SUFFIXES[i] === 'b') {
      const bytes = Math.trunc(v);
      const adj = bytes % 512;
      if (adj) {
        const up = bytes + (512 - adj);
        return { ok: false, message: `Size is not a multiple of 512. Try using ${up - 512} or ${up}.` };
      }
      v /= 512;
    } else if (SUFFIXES[i] !== 's') {
      v = v * 1024 ** i * 2;
    }
  } else {
    v *= DEFAULT_FACTOR[defaultUnit];
  }
  if (v >= SIZE_LIMIT) return { ok: false, message: 'Size is too big (>=16EiB).' };
  return { ok: true, sign, sectors: Math.trunc(v) };
}

/**
 * A size option value as checked for the option's type in args.h/vals.h:
 * SizeKB/SizeMB (no sign; SizeKB only rejects '-'), SSize* (any sign), PSizeMB (no '-'),
 * NSizeMB (no '+').
 */
export function parseTypedSize(s: string, type: string): Result<SizeValue> {
  const unit: DefaultUnit = type === 'sizekb' || type === 'ssizekb' ? 'k' : 'm';
  const r = parseSizeArg(s, unit);
  if (!r.ok) return r;
  switch (type) {
    case 'sizekb':
    case 'psizemb':
      if (r.sign === '-') return { ok: false, message: 'Size may not be negative.' };
      break;
    case 'sizemb':
      if (r.sign !== '') return { ok: false, message: 'Size may not be relative/signed.' };
      break;
    case 'nsizemb':
      if (r.sign === '+') return { ok: false, message: 'Size may not be positive.' };
      break;
  }
  return r;
}

/** --regionsize (lvm2 `regionsize_mb_arg`, 4 KiB pages). */
export function parseRegionSize(s: string): Result<SizeValue> {
  const r = parseSizeArg(s, 'm');
  if (!r.ok) return r;
  if (r.sign === '-') return { ok: false, message: 'Region size may not be negative.' };
  if (r.sectors > 0xffffffff) return { ok: false, message: 'Region size is too big (max 4294967295).' };
  if (r.sectors === 0) return { ok: false, message: 'Region size may not be zero.' };
  if (r.sectors % 8) {
    return { ok: false, message: 'Region size must be a multiple of machine memory page size (4096 bytes).' };
  }
  if (r.sectors & (r.sectors - 1)) return { ok: false, message: 'Region size must be a power of 2.' };
  return r;
}

/** --readahead: auto, none or a size in sectors (no message on a negative value). */
export function parseReadahead(s: string): Result<{ value: 'auto' | 'none' | number }> {
  const l = s.toLowerCase();
  if (l === 'auto' || l === 'none') return { ok: true, value: l };
  const r = parseSizeArg(s, 's');
  if (!r.ok) return r;
  if (r.sign === '-') return { ok: false };
  return { ok: true, value: r.sectors };
}

export interface IntValue {
  sign: Sign;
  /** The digits as a number (exact below 2^53). */
  value: number;
}

/** lvm2 `_get_int_arg`: optional sign, decimal digits; returns the unparsed rest. */
function getInt(s: string): { sign: Sign; value: number; rest: string } | undefined {
  const { sign, rest } = splitSign(s);
  const m = /^[0-9]+/.exec(rest);
  if (!m) return undefined;
  // strtoull() fails with ERANGE beyond 2^64 - 1.
  if (BigInt(m[0]) > 0xffffffffffffffffn) return undefined;
  return { sign, value: Number(m[0]), rest: rest.slice(m[0].length) };
}

/**
 * Number-like option values: Number (no '-'), Uint32, SNumber (any sign),
 * PNumber ('-' rejected with a message). Failures without message only print
 * "Invalid argument for ...".
 */
export function parseNumberArg(s: string, type: 'number' | 'uint32' | 'snumber' | 'pnumber' = 'number'): Result<IntValue> {
  const r = getInt(s);
  if (!r || r.rest !== '') return { ok: false };
  if (type === 'pnumber' && r.sign === '-') return { ok: false, message: 'Number may not be negative.' };
  if ((type === 'number' || type === 'uint32') && r.sign === '-') return { ok: false };
  if (type === 'uint32' && r.value > 0xffffffff) return { ok: false };
  return { ok: true, sign: r.sign, value: r.value };
}

export type PercentType = 'VG' | 'FREE' | 'PVS' | 'LV' | 'ORIGIN';

export interface ExtentsValue {
  sign: Sign;
  value: number;
  percent?: PercentType;
}

/** Percent suffix after '%' (lvm2 `_get_percent_arg`); abbreviations, any case. */
export function parsePercentType(s: string): PercentType | undefined {
  const u = s.toUpperCase();
  if (u === 'V' || u === 'VG') return 'VG';
  if (u === 'L' || u === 'LV') return 'LV';
  if (u === 'P' || u === 'PV' || u === 'PVS') return 'PVS';
  if (u === 'F' || u === 'FR' || u === 'FREE') return 'FREE';
  if (u === 'O' || u === 'OR' || u === 'ORIGIN') return 'ORIGIN';
  return undefined;
}

/**
 * -l/--extents: `[+|-]N[%TYPE]`. `type` is the vals.h type in force for the command:
 * extents (no sign), pextents (no '-'), nextents (no '+'), sextents (any).
 */
export function parseExtentsArg(s: string, type: 'extents' | 'pextents' | 'nextents' | 'sextents' = 'sextents'): Result<ExtentsValue> {
  const r = getInt(s);
  if (!r) return { ok: false };
  let percent: PercentType | undefined;
  if (r.rest !== '') {
    if (!r.rest.startsWith('%')) return { ok: false };
    const word = r.rest.slice(1);
    percent = parsePercentType(word);
    if (!percent) return { ok: false, message: `Specified %${word} is unknown.` };
    // lvm2 prints UINT32_MAX with %d here.
    if (r.value >= 0xffffffff) return { ok: false, message: 'Percentage is too big (>=-1%).' };
  }
  if (type === 'extents' && r.sign !== '') return { ok: false, message: 'Extents may not be relative/signed.' };
  if (type === 'pextents' && r.sign === '-') return { ok: false, message: 'Extents may not be negative.' };
  if (type === 'nextents' && r.sign === '+') return { ok: false, message: 'Extents may not be positive.' };
  return percent ? { ok: true, sign: r.sign, value: r.value, percent } : { ok: true, sign: r.sign, value: r.value };
}

export interface UnitsValue {
  /** Unit letter as given (case matters: lower = 1024, upper = 1000); 'U' for a custom multiple. */
  type: string;
  /** Bytes per unit (1 for h/H/r/R, whose sizes are chosen per value). */
  factor: number;
}

/** --units (libdevmapper `dm_units_to_factor`, strict): `[Number]letter`, one letter only. */
export function parseUnitsArg(s: string): UnitsValue | undefined {
  let rest = s;
  let v = 1;
  let custom = 0;
  if (/^[0-9]/.test(s)) {
    const num = strtodPrefix(s);
    const d = strtodValue(num);
    const int = parseInt(num, 10);
    v = int;
    if (int !== d) custom = d;
    rest = s.slice(num.length);
  }
  if (rest.length !== 1) return undefined;
  const c = rest;
  const k = 1024;
  const mult: Record<string, number> = {
    b: 1, B: 1, s: 512, S: 512,
    k, m: k ** 2, g: k ** 3, t: k ** 4, p: k ** 5, e: k ** 6,
    K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  };
  if ('hHrR'.includes(c)) return { type: c, factor: 1 };
  const m = mult[c];
  if (m === undefined) return undefined;
  const factor = custom ? Math.trunc(custom * m) : v * m;
  if (factor === 0) return undefined;
  return { type: v === 1 ? c : 'U', factor };
}

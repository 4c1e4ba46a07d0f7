// Value constructors shared by the field functions: a report value is the printed text plus the
// value lvm sorts and selects on (numbers for NUM/SIZ/PCT, the bare string otherwise).
import { cFixed, reportSize } from './units.ts';
import type { Units } from './units.ts';

export interface FieldValue {
  text: string;
  sort: number | string;
  /** Elements of a string list (for `[a,b]` / `{a}` selection). */
  list?: string[];
}

export interface Env {
  units: Units;
  nosuffix: boolean;
  /** --binary: binary fields print 1/0/-1. */
  binary: boolean;
}

/** Sort value lvm uses for "undefined" numbers (uint64 -1). */
export const UNDEF_SORT = Number.MAX_SAFE_INTEGER;

export function str(s: string): FieldValue {
  return { text: s, sort: s };
}

export function num(n: number): FieldValue {
  return { text: String(n), sort: n < 0 ? UNDEF_SORT : n };
}

export function size(env: Env, sectors: number): FieldValue {
  return { text: reportSize(sectors, env.units, env.nosuffix), sort: sectors };
}

/** Binary field: word/blank, or 1/0 with --binary; undefined = unknown (`unknown` / -1). */
export function bin(env: Env, v: boolean | undefined, word: string): FieldValue {
  if (v === undefined) return { text: env.binary ? '-1' : 'unknown', sort: UNDEF_SORT };
  if (env.binary) return { text: v ? '1' : '0', sort: v ? 1 : 0 };
  return { text: v ? word : '', sort: v ? 1 : 0 };
}

/** Percent with two decimals; never shows 0.00/100.00 for values that are not exactly that. */
export function pct(p: number | undefined): FieldValue {
  if (p === undefined) return { text: '', sort: UNDEF_SORT };
  let v = Number(cFixed(p, 2));
  if (v >= 100 && p < 100) v = 99.99;
  if (v <= 0 && p > 0) v = 0.01;
  return { text: cFixed(v, 2), sort: p };
}

/** String list; `sorted` lists (tags) print sorted, others in their own order. */
export function strList(items: string[], sorted: boolean, delimiter = ','): FieldValue {
  const sortedItems = [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const shown = sorted ? sortedItems : items;
  return { text: shown.join(delimiter), sort: shown.join(delimiter), list: sortedItems };
}

export const EMPTY: FieldValue = { text: '', sort: '' };

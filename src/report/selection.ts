// `-S/--select` expressions: parse into a tree, evaluate against a row's field values.
// Grammar (libdm-report.c): or := and (('||'|'#') and)* ; and := ex (('&&'|',') ex)* ;
// ex := '!' ex | '(' or ')' | field op value.
import type { FieldDef } from './fields.ts';
import type { FieldValue } from './values.ts';
import { UNDEF_SORT } from './values.ts';

export type SelNode =
  | { kind: 'and' | 'or'; left: SelNode; right: SelNode }
  | { kind: 'not'; child: SelNode }
  | { kind: 'cmp'; field: FieldDef; op: string; value: SelValue };

export type SelValue = { kind: 'str'; s: string } | { kind: 'list'; items: string[]; subset: boolean };

export class SelectionError extends Error {}

const CMP_OPS = ['=~', '!~', '!=', '>=', '<=', '=', '>', '<', 'since', 'after', 'until', 'before'];

export function parseSelection(text: string, lookup: (name: string) => FieldDef | undefined): SelNode {
  let pos = 0;
  const skip = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const peek = (s: string): boolean => text.startsWith(s, pos);
  const fail = (): never => {
    throw new SelectionError(`Selection syntax error at '${text.slice(pos)}'.`);
  };

  const parseValueString = (): string => {
    skip();
    const q = text[pos];
    if (q === '"' || q === "'") {
      const end = text.indexOf(q, pos + 1);
      if (end < 0) fail();
      const s = text.slice(pos + 1, end);
      pos = end + 1;
      return s;
    }
    const start = pos;
    while (pos < text.length && !/[\s)&|,#\]}]/.test(text[pos]!)) pos++;
    return text.slice(start, pos);
  };

  const parseValue = (): SelValue => {
    skip();
    const open = text[pos];
    if (open === '[' || open === '{') {
      const close = open === '[' ? ']' : '}';
      pos++;
      const items: string[] = [];
      for (;;) {
        skip();
        if (text[pos] === close) {
          pos++;
          break;
        }
        items.push(parseValueString());
        skip();
        if (peek('&&') || peek('||')) pos += 2;
        else if (text[pos] === ',' || text[pos] === '#') pos++;
        else if (text[pos] !== close) fail();
      }
      return { kind: 'list', items, subset: open === '{' };
    }
    return { kind: 'str', s: parseValueString() };
  };

  const parseTerm = (): SelNode => {
    skip();
    const m = /^[A-Za-z0-9_?]+/.exec(text.slice(pos));
    if (!m) fail();
    const name = m![0];
    const field = lookup(name);
    if (!field) throw new SelectionError(`Unrecognised selection field: ${name}`);
    pos += name.length;
    skip();
    const op = CMP_OPS.find((o) => peek(o));
    if (!op) fail();
    pos += op!.length;
    return { kind: 'cmp', field: field!, op: op!, value: parseValue() };
  };

  const parseEx = (): SelNode => {
    skip();
    if (peek('!') && !peek('!=') && !peek('!~')) {
      pos++;
      return { kind: 'not', child: parseEx() };
    }
    if (peek('(')) {
      pos++;
      const inner = parseOr();
      skip();
      if (!peek(')')) fail();
      pos++;
      return inner;
    }
    return parseTerm();
  };

  const parseAnd = (): SelNode => {
    let left = parseEx();
    for (;;) {
      skip();
      if (peek('&&')) pos += 2;
      else if (peek(',')) pos += 1;
      else return left;
      left = { kind: 'and', left, right: parseEx() };
    }
  };

  const parseOr = (): SelNode => {
    let left = parseAnd();
    for (;;) {
      skip();
      if (peek('||')) pos += 2;
      else if (peek('#')) pos += 1;
      else return left;
      left = { kind: 'or', left, right: parseAnd() };
    }
  };

  const tree = parseOr();
  skip();
  if (pos < text.length) fail();
  return tree;
}

export function selectionFields(node: SelNode): FieldDef[] {
  if (node.kind === 'cmp') return [node.field];
  if (node.kind === 'not') return selectionFields(node.child);
  return [...selectionFields(node.left), ...selectionFields(node.right)];
}

const SIZE_FACTORS: Record<string, number> = {
  b: 1, B: 1, s: 512, S: 512,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5, e: 1024 ** 6,
  K: 1000, M: 1000 ** 2, G: 1000 ** 3, T: 1000 ** 4, P: 1000 ** 5, E: 1000 ** 6,
};

const UNDEF_WORDS = new Set(['-1', 'unknown', 'undefined', 'undef']);

/** Numeric value of a selection operand for a NUM/SIZ/PCT field; undefined if not a number. */
function numericOperand(field: FieldDef, s: string): number | undefined {
  if (UNDEF_WORDS.has(s)) return UNDEF_SORT;
  if (field.kind === 'SIZ') {
    const m = /^([0-9]*\.?[0-9]+)([bBsSkKmMgGtTpPeE]?)$/.exec(s);
    if (!m) return undefined;
    return (Number(m[1]) * SIZE_FACTORS[m[2] || 'm']!) / 512;
  }
  if (field.kind === 'PCT') {
    const m = /^([0-9]*\.?[0-9]+)%?$/.exec(s);
    return m ? Number(m[1]) : undefined;
  }
  if (/^-?[0-9]+$/.test(s)) return Number(s);
  return undefined;
}

function compareNumbers(a: number, b: number, op: string): boolean {
  switch (op) {
    case '=':
      return Math.abs(a - b) < 1e-9;
    case '!=':
      return Math.abs(a - b) >= 1e-9;
    case '>':
    case 'after':
      return a > b;
    case '>=':
    case 'since':
      return a >= b;
    case '<':
    case 'before':
      return a < b;
    case '<=':
    case 'until':
      return a <= b;
    default:
      return false;
  }
}

function matchCmp(node: Extract<SelNode, { kind: 'cmp' }>, v: FieldValue): boolean {
  const { field, op, value } = node;
  const sortStr = typeof v.sort === 'string' ? v.sort : v.text;
  if (op === '=~' || op === '!~') {
    const pattern = value.kind === 'str' ? value.s : value.items.join(',');
    const hit = new RegExp(pattern).test(sortStr);
    return op === '=~' ? hit : !hit;
  }
  if (value.kind === 'list') {
    const have = v.list ?? (v.text === '' ? [] : [v.text]);
    const want = [...new Set(value.items)].sort();
    const hit = value.subset
      ? want.every((w) => have.includes(w))
      : want.length === have.length && want.every((w, i) => w === [...have].sort()[i]);
    return op === '!=' ? !hit : hit;
  }
  if (typeof v.sort === 'number' && field.kind !== 'STR' && field.kind !== 'STR_LIST' && field.kind !== 'TIM') {
    const n = numericOperand(field, value.s);
    if (n === undefined) return false;
    // Blank percentages (not applicable) never match a number.
    if (field.kind === 'PCT' && v.text === '') return op === '!=';
    return compareNumbers(v.sort, n, op);
  }
  if (op === '=') return sortStr === value.s;
  if (op === '!=') return sortStr !== value.s;
  return false;
}

export function evalSelection(node: SelNode, get: (f: FieldDef) => FieldValue): boolean {
  switch (node.kind) {
    case 'and':
      return evalSelection(node.left, get) && evalSelection(node.right, get);
    case 'or':
      return evalSelection(node.left, get) || evalSelection(node.right, get);
    case 'not':
      return !evalSelection(node.child, get);
    case 'cmp':
      return matchCmp(node, get(node.field));
  }
}

// The libdm config language that lvm2 metadata, backups and lvm.conf are written in.
export type ConfigScalar =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string };
export type ConfigValue = ConfigScalar | { kind: 'array'; items: ConfigScalar[] };

export interface ConfigNode {
  key: string;
  /** Present for `key = value`. */
  value?: ConfigValue;
  /** Present for `key { ... }`. */
  children?: ConfigNode[];
}

export class ConfigParseError extends Error {
  constructor(
    readonly byte: number,
    readonly line: number,
    detail: string,
  ) {
    super(`Parse error at byte ${byte} (line ${line}): ${detail}`);
  }
}

// Character codes the lexer branches on (it scans with charCodeAt and slices: metadata of a VG with
// thousands of LVs is hundreds of KiB and is parsed on every command).
const SP = 32, TAB = 9, NL = 10, VT = 11, FF = 12, CR = 13;
const HASH = 35, EQ = 61, LBRACE = 123, RBRACE = 125, LBRACK = 91, RBRACK = 93, COMMA = 44;
const DQ = 34, SQ = 39, BSL = 92, DOT = 46, PLUS = 43, MINUS = 45, D0 = 48, D9 = 57;

function isSpaceCode(c: number): boolean {
  return c === SP || (c >= TAB && c <= CR && (c === TAB || c === NL || c === VT || c === FF || c === CR));
}

function isPunctCode(c: number): boolean {
  return c === LBRACE || c === RBRACE || c === LBRACK || c === RBRACK || c === COMMA || c === EQ;
}

type Tok =
  | { t: 'punct'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
  | { t: 'num'; v: string; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'eof'; at: number };

class Lexer {
  pos = 0;
  private readonly end: number;
  constructor(readonly text: string) {
    const nul = text.indexOf('\0');
    this.end = nul >= 0 ? nul : text.length;
  }
  line(at: number): number {
    let n = 1;
    for (let i = 0; i < at && i < this.end; i++) if (this.text.charCodeAt(i) === NL) n++;
    return n;
  }
  fail(at: number, detail: string): never {
    throw new ConfigParseError(at, this.line(at), detail);
  }
  private skip(): void {
    const t = this.text;
    while (this.pos < this.end) {
      const c = t.charCodeAt(this.pos);
      if (isSpaceCode(c)) this.pos++;
      else if (c === HASH) {
        const nl = t.indexOf('\n', this.pos);
        this.pos = nl < 0 || nl > this.end ? this.end : nl;
      } else break;
    }
  }
  next(): Tok {
    this.skip();
    const t = this.text;
    const at = this.pos;
    if (at >= this.end) return { t: 'eof', at };
    const c = t.charCodeAt(at);
    if (isPunctCode(c)) {
      this.pos++;
      return { t: 'punct', v: t[at]!, at };
    }
    if (c === DQ) {
      const close = t.indexOf('"', at + 1);
      if (close < 0 || close >= this.end) this.fail(at, 'unterminated string');
      for (let p = at + 1; p < close; p++) if (t.charCodeAt(p) === BSL) return this.escapedString(at);
      this.pos = close + 1;
      return { t: 'str', v: t.slice(at + 1, close), at };
    }
    if (c === SQ) {
      const close = t.indexOf("'", at + 1);
      if (close < 0 || close >= this.end) this.fail(at, 'unterminated string');
      this.pos = close + 1;
      return { t: 'str', v: t.slice(at + 1, close), at };
    }
    let p = at + 1;
    if ((c >= D0 && c <= D9) || c === PLUS || c === MINUS) {
      // Numbers end at the first character that is not a digit or '.', as in libdm's lexer.
      while (p < this.end) {
        const d = t.charCodeAt(p);
        if ((d >= D0 && d <= D9) || d === DOT) p++;
        else break;
      }
      this.pos = p;
      return { t: 'num', v: t.slice(at, p), at };
    }
    while (p < this.end) {
      const d = t.charCodeAt(p);
      if (isSpaceCode(d) || d === HASH || d === EQ || d === LBRACE || d === RBRACE) break;
      p++;
    }
    this.pos = p;
    return { t: 'word', v: t.slice(at, p), at };
  }
  /** A "..." string with backslashes: only \" and \\ are translated, others stay as written. */
  private escapedString(at: number): Tok {
    const t = this.text;
    let out = '';
    let p = at + 1;
    for (;;) {
      if (p >= this.end) this.fail(at, 'unterminated string');
      const d = t.charCodeAt(p);
      if (d === DQ) break;
      if (d === BSL && p + 1 < this.end) {
        const e = t.charCodeAt(p + 1);
        out += e === DQ || e === BSL ? t[p + 1] : t.slice(p, p + 2);
        p += 2;
        continue;
      }
      out += t[p];
      p++;
    }
    this.pos = p + 1;
    return { t: 'str', v: out, at };
  }
}

function scalar(lx: Lexer, tok: Tok): ConfigScalar {
  if (tok.t === 'str') return { kind: 'string', value: tok.v };
  if (tok.t !== 'word' && tok.t !== 'num') lx.fail(tok.at, 'unexpected token');
  const w = tok.v;
  if (tok.t === 'num' && /^[+-]?[0-9]+$/.test(w)) {
    // strtoll with base 0: a leading 0 means octal.
    const neg = w.charCodeAt(0) === MINUS;
    const digits = neg || w.charCodeAt(0) === PLUS ? w.slice(1) : w;
    const v = digits.length > 1 && digits.charCodeAt(0) === D0 ? parseInt(digits, 8) : parseInt(digits, 10);
    return { kind: 'int', value: neg ? -v : v };
  }
  if (tok.t === 'num' && /^[+-]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)$/.test(w)) return { kind: 'float', value: parseFloat(w) };
  return { kind: 'string', value: w };
}

function parseValue(lx: Lexer): ConfigValue {
  const tok = lx.next();
  if (tok.t === 'punct' && tok.v === '[') {
    const items: ConfigScalar[] = [];
    for (;;) {
      const t = lx.next();
      if (t.t === 'punct' && t.v === ']') break;
      if (t.t === 'punct' && t.v === ',') continue;
      if (t.t === 'eof') lx.fail(t.at, 'unexpected end of input');
      items.push(scalar(lx, t));
    }
    return { kind: 'array', items };
  }
  return scalar(lx, tok);
}

/** Deeper nesting than any lvm2 metadata or config uses is refused instead of exhausting the stack. */
const MAX_DEPTH = 64;

function parseItems(lx: Lexer, closing: boolean, depth = 0): ConfigNode[] {
  if (depth > MAX_DEPTH) lx.fail(lx.pos, 'sections nested too deeply');
  const nodes: ConfigNode[] = [];
  for (;;) {
    const tok = lx.next();
    if (tok.t === 'eof') {
      if (closing) lx.fail(tok.at, 'unexpected end of input');
      return nodes;
    }
    if (tok.t === 'punct' && tok.v === '}') {
      if (!closing) lx.fail(tok.at, 'unexpected token');
      return nodes;
    }
    if (tok.t === 'punct') lx.fail(tok.at, 'unexpected token');
    const key = tok.v;
    const op = lx.next();
    if (op.t === 'punct' && op.v === '=') nodes.push({ key, value: parseValue(lx) });
    else if (op.t === 'punct' && op.v === '{') nodes.push({ key, children: parseItems(lx, true, depth + 1) });
    else lx.fail(op.at, 'unexpected token');
  }
}

/** Parses text up to the end or the first NUL byte. */
export function parseConfig(text: string): ConfigNode[] {
  const lx = new Lexer(text);
  return parseItems(lx, false);
}

export function findNode(nodes: ConfigNode[] | undefined, key: string): ConfigNode | undefined {
  return nodes?.find((n) => n.key === key);
}

/** Looks a value up by a slash-separated path (`devices/global_filter`). */
export function lookup(nodes: ConfigNode[], path: string): ConfigValue | undefined {
  const parts = path.split('/');
  let cur: ConfigNode[] | undefined = nodes;
  for (let i = 0; i < parts.length - 1; i++) cur = findNode(cur, parts[i]!)?.children;
  return findNode(cur, parts[parts.length - 1]!)?.value;
}

export function quote(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

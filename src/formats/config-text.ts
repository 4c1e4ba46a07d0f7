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

const PUNCT = new Set(['{', '}', '[', ']', ',', '=']);

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

type Tok =
  | { t: 'punct'; v: string; at: number }
  | { t: 'word'; v: string; at: number }
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
    for (let i = 0; i < at && i < this.end; i++) if (this.text[i] === '\n') n++;
    return n;
  }
  fail(at: number, detail: string): never {
    throw new ConfigParseError(at, this.line(at), detail);
  }
  private skip(): void {
    while (this.pos < this.end) {
      const c = this.text[this.pos]!;
      if (isSpace(c)) this.pos++;
      else if (c === '#') {
        while (this.pos < this.end && this.text[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }
  next(): Tok {
    this.skip();
    const at = this.pos;
    if (this.pos >= this.end) return { t: 'eof', at };
    const c = this.text[this.pos]!;
    if (PUNCT.has(c)) {
      this.pos++;
      return { t: 'punct', v: c, at };
    }
    if (c === '"') {
      let out = '';
      this.pos++;
      for (;;) {
        if (this.pos >= this.end) this.fail(at, 'unterminated string');
        const d = this.text[this.pos]!;
        if (d === '"') break;
        if (d === '\\' && this.pos + 1 < this.end) {
          const e = this.text[this.pos + 1]!;
          // Only \" and \\ are translated; other backslashes stay as written.
          out += e === '"' || e === '\\' ? e : d + e;
          this.pos += 2;
          continue;
        }
        out += d;
        this.pos++;
      }
      this.pos++;
      return { t: 'str', v: out, at };
    }
    if (c === "'") {
      const close = this.text.indexOf("'", this.pos + 1);
      if (close < 0 || close >= this.end) this.fail(at, 'unterminated string');
      const v = this.text.slice(this.pos + 1, close);
      this.pos = close + 1;
      return { t: 'str', v, at };
    }
    let w = '';
    if (/[0-9+-]/.test(c)) {
      // Numbers end at the first character that is not a digit or '.', as in libdm's lexer.
      w += c;
      this.pos++;
      while (this.pos < this.end && /[0-9.]/.test(this.text[this.pos]!)) w += this.text[this.pos++];
      return { t: 'word', v: w, at };
    }
    while (this.pos < this.end) {
      const d = this.text[this.pos]!;
      if (isSpace(d) || d === '#' || d === '=' || d === '{' || d === '}') break;
      w += d;
      this.pos++;
    }
    return { t: 'word', v: w, at };
  }
  peek(): Tok {
    const save = this.pos;
    const t = this.next();
    this.pos = save;
    return t;
  }
}

function scalar(lx: Lexer, tok: Tok): ConfigScalar {
  if (tok.t === 'str') return { kind: 'string', value: tok.v };
  if (tok.t !== 'word') lx.fail(tok.at, 'unexpected token');
  const w = tok.v;
  if (/^[+-]?[0-9]+$/.test(w)) {
    // strtoll with base 0: a leading 0 means octal.
    const neg = w.startsWith('-');
    const digits = w.replace(/^[+-]/, '');
    const v = digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : parseInt(digits, 10);
    return { kind: 'int', value: neg ? -v : v };
  }
  if (/^[+-]?[0-9]*\.[0-9]+$/.test(w) || /^[+-]?[0-9]+\.[0-9]*$/.test(w)) return { kind: 'float', value: parseFloat(w) };
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

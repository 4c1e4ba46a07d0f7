// Turns command-lines.in definitions (DefSource) into CommandDef structures, following the
// reading rules of lvm2's tools/command.c: required line, OO_ set expansion, OO_ALL added to
// every definition first, duplicate optional options dropped, `...` marking a repeatable
// positional, RULE lines split into condition and check parts.
import { OPTIONS } from './options.ts';
import { OO_SETS } from './oo-sets.ts';
import type { ArgDef, CommandDef, DefSource, OptArg, OptionSpec, Rule } from './types.ts';
import { valueTypeByName } from './values.ts';

const POS_NAMES = ['VG', 'LV', 'PV', 'Tag', 'String', 'Select'];

function newArgDef(): ArgDef {
  return { vals: new Set(), newLV: false, newVG: false, repeat: false };
}

/** Words of a line; a trailing comma only separates list items. */
function words(s: string): string[] {
  return s.split(' ').filter((w) => w !== '').map((w) => (w.includes(',') ? w.slice(0, w.indexOf(',')) : w));
}

/**
 * Option for a `--name` word of the grammar. `--foo_long` picks the entry without a short
 * letter; plain `--foo` the entry whose id is not `*_long`. `--uuidstr` is the valued form
 * of `--uuid`, which otherwise means the flag.
 */
export function optionByGrammarName(word: string): OptionSpec {
  const name = word.replace(/^--/, '');
  if (name === 'uuidstr') return mustFind('id:uuidstr', word);
  if (name === 'uuid') return mustFind('id:uuid', word);
  if (name.endsWith('_long')) return mustFind(`long-only:${name.slice(0, -'_long'.length)}`, word);
  return mustFind(`long:${name}`, word);
}

let byKey: Map<string, OptionSpec> | undefined;

/** Options by the keys the grammar names them with, built once (the table has ~200 entries). */
function mustFind(key: string, word: string): OptionSpec {
  if (!byKey) {
    byKey = new Map();
    for (const o of OPTIONS) {
      if (!byKey.has(`id:${o.id}`)) byKey.set(`id:${o.id}`, o);
      if (o.short === '' && !byKey.has(`long-only:${o.long}`)) byKey.set(`long-only:${o.long}`, o);
      if (!o.id.endsWith('_long') && !byKey.has(`long:${o.long}`)) byKey.set(`long:${o.long}`, o);
    }
  }
  const o = byKey.get(key);
  if (!o) throw new Error(`grammar: unknown option ${word}`);
  return o;
}

/** Value (or literal) after an option, or the types allowed in a position. */
function parseArgDef(text: string, allowLiterals: boolean): ArgDef {
  const def = newArgDef();
  for (const part of text.split('|')) {
    const vt = valueTypeByName(part);
    if (vt) {
      def.vals.add(vt.id);
      if (part.includes('_new')) {
        if (vt.id === 'lv') def.newLV = true;
        else if (vt.id === 'vg') def.newVG = true;
      }
    } else if (allowLiterals && /^[0-9]/.test(part)) {
      def.vals.add('constnum');
      def.num = parseInt(part, 10);
    } else if (allowLiterals && /^[A-Za-z]/.test(part)) {
      def.vals.add('conststr');
      def.str = part;
    } else {
      throw new Error(`grammar: unknown value ${part}`);
    }
  }
  return def;
}

function isPosName(w: string): boolean {
  return POS_NAMES.some((p) => w.startsWith(p));
}

/** Adds OO:-style options, skipping ones already present (as lvm2 does). */
/** Ids already in an option list (definitions list dozens of options; avoids rescanning them). */
const present = new WeakMap<OptArg[], Set<string>>();

function addOptional(list: OptArg[], text: string): void {
  let ids = present.get(list);
  if (!ids) present.set(list, (ids = new Set(list.map((a) => a.opt))));
  const ws = words(text);
  let last: OptArg | undefined;
  let lastHasValue = false;
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    if (w.startsWith('--')) {
      const spec = optionByGrammarName(w);
      if (w !== '--uuidstr' && ids.has(spec.id)) {
        last = undefined;
        if (spec.val) i++;
        continue;
      }
      last = { opt: spec.id, def: newArgDef() };
      lastHasValue = !!spec.val;
      list.push(last);
      ids.add(spec.id);
    } else if (w.startsWith('OO_')) {
      addOptional(list, ooSet(w));
      last = undefined;
    } else if (last && lastHasValue) {
      last.def = parseArgDef(w, true);
    } else {
      throw new Error(`grammar: cannot parse ${w} in ${text}`);
    }
  }
}

/** Required options (a plain list, as after a command name or inside a required OO_ set). */
function addRequiredOpts(list: OptArg[], text: string): void {
  let last: OptArg | undefined;
  for (const w of words(text)) {
    if (w.startsWith('--')) {
      last = { opt: optionByGrammarName(w).id, def: newArgDef() };
      list.push(last);
    } else if (last) {
      last.def = parseArgDef(w, true);
    } else {
      throw new Error(`grammar: cannot parse ${w} in ${text}`);
    }
  }
}

function ooSet(name: string): string {
  const s = OO_SETS[name];
  if (s === undefined) throw new Error(`grammar: no option set ${name}`);
  return s;
}

function parseRule(text: string): Rule {
  const rule: Rule = { kind: 'not', opts: [], checkOpts: [], needsLV: false };
  let check = false;
  for (const w of words(text)) {
    if (w === 'not' || w === 'and') {
      rule.kind = w;
      check = true;
    } else if (w.startsWith('all')) {
      continue;
    } else if (w.startsWith('--')) {
      (check ? rule.checkOpts : rule.opts).push(optionByGrammarName(w).id);
    } else if (!check) {
      // LV_type or lv_is_prop in the condition: only decidable once the LV is known.
      rule.needsLV = true;
    }
  }
  return rule;
}

export function defineCommand(src: DefSource): CommandDef {
  const ws = words(src.line);
  const cmd: CommandDef = {
    name: ws[0],
    id: src.id,
    req: [],
    anyReq: [],
    anyRequired: false,
    optional: [],
    ignored: [],
    reqPos: [],
    optPos: [],
    desc: src.desc ?? [],
    secondary: (src.flags ?? []).some((f) => f.includes('SECONDARY_SYNTAX')),
    previous: (src.flags ?? []).some((f) => f.includes('PREVIOUS_SYNTAX')),
    autotype: src.autotype ?? [],
    rules: (src.rules ?? []).map(parseRule),
  };
  let prev: 'opt' | 'pos' | 'none' = 'none';
  for (const w of ws.slice(1)) {
    const lastOpt = cmd.req[cmd.req.length - 1];
    if (w.startsWith('--')) {
      cmd.req.push({ opt: optionByGrammarName(w).id, def: newArgDef() });
      prev = 'opt';
    } else if (prev === 'opt' && lastOpt && OPTIONS.find((o) => o.id === lastOpt.opt)?.val) {
      lastOpt.def = parseArgDef(w, true);
      prev = 'none';
    } else if (isPosName(w)) {
      cmd.reqPos.push(parseArgDef(w, false));
      prev = 'pos';
    } else if (w.startsWith('OO_')) {
      cmd.anyRequired = true;
      addRequiredOpts(cmd.anyReq, ooSet(w));
    } else if (prev === 'pos' && w === '...') {
      cmd.reqPos[cmd.reqPos.length - 1].repeat = true;
    } else {
      throw new Error(`grammar: cannot parse ${w} in ${src.line}`);
    }
  }
  addOptional(cmd.optional, ooSet('OO_ALL'));
  if (src.oo) addOptional(cmd.optional, src.oo);
  if (src.io) addRequiredOpts(cmd.ignored, src.io);
  if (src.op) {
    for (const w of words(src.op)) {
      if (isPosName(w)) cmd.optPos.push(parseArgDef(w, false));
      else if (w === '...') cmd.optPos[cmd.optPos.length - 1].repeat = true;
      else throw new Error(`grammar: cannot parse ${w} in OP ${src.op}`);
    }
  }
  return cmd;
}

/** The options every command accepts (OO_ALL), in the order lvm2 lists them. */
export function lvmAllOptions(): OptArg[] {
  const list: OptArg[] = [];
  addOptional(list, ooSet('OO_ALL'));
  return list;
}

// Choosing the command definition that a parsed command line matches (lvm2 _find_command):
// required options/positionals decide candidates, the best one has the most required matches
// and the fewest options it does not accept; failures print lvm2's texts.
import { printUsage } from './usage.ts';
import { hasAlternateExtents, longOptionName, optionById, optionIndex, standardOf, synonymOf } from './registry.ts';
import type { ArgDef, CommandDef, OptArg } from './types.ts';

/** Options as given: option id → one value per occurrence ('' for flags). */
export type OptionValues = ReadonlyMap<string, readonly string[]>;

export type MatchOutcome =
  | { ok: true; def: CommandDef }
  | { ok: false; stdout: string; stderr: string };

interface Ctx {
  name: string;
  opts: OptionValues;
  positionals: readonly string[];
}

function isSet(c: Ctx, id: string): boolean {
  return (c.opts.get(id)?.length ?? 0) > 0;
}

/** lvm2 arg_str_value(): the option's value, '' when unset. */
function strValue(c: Ctx, id: string): string {
  const v = c.opts.get(id);
  return v && v.length ? v[v.length - 1] : '';
}

/** lvm2 arg_int_value() as far as literal numbers in definitions need it. */
function intValue(c: Ctx, id: string): number {
  const m = /^[+-]?([0-9]+)/.exec(strValue(c, id));
  return m ? Math.min(Number(m[1]), 2147483647) : 0;
}

function literalMatches(c: Ctx, a: OptArg): boolean {
  if (a.def.vals.has('conststr')) return a.def.str === strValue(c, a.opt);
  if (a.def.vals.has('constnum')) return a.def.num === intValue(c, a.opt);
  return true;
}

function requiredOptMatches(c: Ctx, def: CommandDef, a: OptArg): boolean {
  const syn = synonymOf(c.name, a.opt);
  const given = isSet(c, a.opt) || (syn !== undefined && isSet(c, syn));
  const viaExtents = a.opt === 'size' && isSet(c, 'extents') && hasAlternateExtents(def.name);
  if (!given && !viaExtents) return false;
  if (a.def.vals.has('conststr')) {
    const v = strValue(c, a.opt);
    // "raid" in a definition stands for any raid level.
    return a.def.str === v || (a.def.str === 'raid' && v.startsWith('raid'));
  }
  return literalMatches(c, a);
}

function requiredPosMatches(c: Ctx, pos: ArgDef, index: number): boolean {
  if (index < c.positionals.length) return true;
  if (pos.vals.has('select') && isSet(c, 'select')) return true;
  // lvcreate may take the VG from --name VG/LV (or --thinpool/--cachepool/--vdopool VG/LV).
  if (c.name === 'lvcreate' && index === 0 && pos.vals.has('vg')) {
    return ['name', 'thinpool', 'cachepool', 'vdopool'].some((id) => isSet(c, id) && strValue(c, id).includes('/'));
  }
  return false;
}

/** With --type given, only definitions naming that type (or any SegType) are considered. */
function skipForType(def: CommandDef, type: string): boolean {
  const check = (list: OptArg[]): boolean | undefined => {
    const a = list.find((x) => x.opt === 'type');
    if (!a) return undefined;
    if (a.def.vals.has('segtype') || a.def.str === undefined) return false;
    if (a.def.str === type) return false;
    if (a.def.str.startsWith('raid') && type.startsWith('raid')) return false;
    return true;
  };
  return check([...def.req, ...def.anyReq]) ?? check(def.optional) ?? true;
}

/** Options given that `def` does not accept, in args.h order (lvm2 reports the first 8). */
function unusedOptions(c: Ctx, def: CommandDef): string[] {
  const given = [...c.opts.keys()].filter((id) => isSet(c, id)).sort((a, b) => optionIndex(a) - optionIndex(b));
  const out: string[] = [];
  for (const id of given) {
    const std = standardOf(c.name, id) ?? id;
    if (std === 'extents') continue;
    if ([...def.req, ...def.anyReq].some((a) => a.opt === std)) continue;
    if (def.optional.some((a) => a.opt === std && literalMatches(c, a))) continue;
    if (def.ignored.some((a) => a.opt === std && literalMatches(c, a))) continue;
    out.push(std);
  }
  return out;
}

/** lvm2 opt_array_to_str into a 64-byte buffer. */
function optList(ids: readonly string[]): string {
  return ids.map((id) => longOptionName(id) + ' ').join('').slice(0, 63);
}

function checkRules(c: Ctx, def: CommandDef): string | undefined {
  for (const rule of def.rules) {
    if (!rule.checkOpts.length || rule.needsLV) continue;
    if (rule.opts.length && !rule.opts.some((id) => isSet(c, id))) continue;
    const matched = rule.checkOpts.filter((id) => isSet(c, id)).length;
    const unmatched = rule.checkOpts.length - matched;
    if (matched && rule.kind === 'not') {
      return rule.opts.length
        ? `Command does not accept option combination: ${optList(rule.opts)} with ${optList(rule.checkOpts)}`
        : `Command does not accept options: ${optList(rule.checkOpts)}`;
    }
    if (unmatched && rule.kind === 'and') return `Command requires options: ${optList(rule.checkOpts)}`;
  }
  return undefined;
}

export function findCommand(
  name: string,
  defs: readonly CommandDef[],
  opts: OptionValues,
  positionals: readonly string[],
  optCount: number,
): MatchOutcome {
  const c: Ctx = { name, opts, positionals };
  const type = isSet(c, 'type') ? strValue(c, 'type') : undefined;
  let best: { def: CommandDef; required: number; type: number; unused: string[] } | undefined;
  let close: { def: CommandDef; ro: number; type: number } | undefined;
  for (const def of defs) {
    if (['help', 'help2', 'longhelp', 'version'].some((id) => isSet(c, id))) return { ok: true, def };
    // 'lvconvert LV' would match anything; only consider it when no option but -v is given.
    if (def.id === 'lvconvert_plain' && optCount - (opts.get('verbose')?.length ?? 0) > 0) continue;
    if (type !== undefined && def.autotype.some((t) => t !== type)) continue;
    if (type !== undefined && skipForType(def, type)) continue;

    let required = !def.req.length && !def.reqPos.length ? 1 : 0;
    let ro = 0;
    let rp = 0;
    let matchType = 0;
    let mismatch = 0;
    for (const a of def.req) {
      if (requiredOptMatches(c, def, a)) {
        required++;
        ro++;
        if (a.opt === 'type') matchType = 1;
      } else {
        mismatch++;
      }
    }
    const anyRo = def.anyReq.filter((a) => requiredOptMatches(c, def, a)).length;
    if (def.anyRequired && !anyRo) mismatch = 1;
    def.reqPos.forEach((pos, i) => {
      if (requiredPosMatches(c, pos, i)) {
        required++;
        rp++;
      } else {
        mismatch++;
      }
    });
    if (mismatch) {
      const ct = close?.type ?? 0;
      if ((matchType && !ct) || (matchType === ct && ro > (close?.ro ?? 0))) close = { def, ro, type: matchType };
      continue;
    }
    if (!required) continue;
    if ((def.req.length || def.reqPos.length) && (ro || rp)) required++;
    const unused = unusedOptions(c, def);
    if (
      !best ||
      (required > best.required && !unused.length) ||
      unused.length < best.unused.length ||
      matchType > best.type ||
      (required === best.required && matchType === best.type && unused.length < best.unused.length)
    ) {
      best = { def, required, type: matchType, unused };
    }
  }

  if (!best) {
    let stderr = `  No command with matching syntax recognised.  Run '${name} --help' for more information.\n`;
    let stdout = '';
    if (defs.length === 1) {
      stderr += '  Correct command syntax is:\n';
      stdout = printUsage(defs[0], false, false);
    } else if (close && close.ro) {
      stderr += '  Nearest similar command has syntax:\n';
      stdout = printUsage(close.def, false, false);
    }
    return { ok: false, stdout, stderr };
  }
  const def = best.def;
  if (best.unused.length) {
    const lines = best.unused.slice(0, 8).map((id) => {
      const spec = optionById(id);
      // lvm2 shows the value only when it kept one for that very option (not for groupable ones).
      const v = spec.val && !spec.groupable && isSet(c, id) ? strValue(c, id) : undefined;
      return `  Command does not accept option: ${longOptionName(id)}${v !== undefined ? ' ' + v : ''}.\n`;
    });
    return { ok: false, stdout: '', stderr: lines.join('') };
  }
  const lastReq = def.reqPos[def.reqPos.length - 1];
  const lastOpt = def.optPos[def.optPos.length - 1];
  if (!(lastReq?.repeat || lastOpt?.repeat)) {
    const max = def.reqPos.length + def.optPos.length;
    if (positionals.length > max) {
      return { ok: false, stdout: '', stderr: `  Command does not accept argument: ${positionals[max]}.\n` };
    }
  }
  const ruleError = checkRules(c, def);
  if (ruleError) return { ok: false, stdout: '', stderr: `  ${ruleError}\n` };
  return { ok: true, def };
}

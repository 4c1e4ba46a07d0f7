// Command-line parsing as lvm2 does it for one command: getopt over the options the command
// accepts, value checks per option type, selection of the command definition, then the
// settings checks lvm2 makes before running anything (--units, synonyms, ...).
// Commands whose whole output is fixed text (--help, --version, help, version, segtypes,
// formats) come back as a ParseFailure carrying that text and rc 0: the caller just prints it.
import { getoptLong, stripLongOptionHyphens, type GetoptSpec } from './getopt.ts';
import { findCommand } from './grammar/match.ts';
import { defsFor, isCommandName, longOptionName, optionById, optionValueType, validArgs } from './grammar/registry.ts';
import { checkValue } from './grammar/validate.ts';
import { commandHelp, formatsText, helpCommand, segtypesText, versionText } from './help.ts';
import type { ParsedArgs, ParseFailure } from '../ops/args.ts';
import { parseUnitsArg } from '../ops/sizes.ts';

const EINVALID_CMD_LINE = 3;
const ENO_SUCH_CMD = 2;

function getoptSpec(command: string): GetoptSpec {
  const shorts = [];
  const longs = [];
  for (const id of validArgs(command)) {
    const o = optionById(id);
    const hasArg = o.val !== '';
    if (o.short) shorts.push({ letter: o.short, hasArg });
    // Options with a short letter are reported by their letter, as getopt_long does.
    if (o.long) longs.push({ name: o.long, hasArg, key: o.short || o.id });
  }
  return { shorts, longs };
}

/** getopt's answer → option id: a letter means the first accepted option with that letter. */
function resolveKey(command: string, key: string): string {
  if (key.length > 1) return key;
  const id = validArgs(command).find((v) => optionById(v).short === key);
  if (!id) throw new Error(`no option for -${key}`);
  return id;
}

function parseError(stderr: string): ParseFailure {
  return { stdout: '', stderr: stderr + '  Error during parsing of command line.\n', rc: EINVALID_CMD_LINE };
}

/** Failure after the command was recognised: lvm2 adds its short usage hint. */
function settingsError(command: string, message: string): ParseFailure {
  return { stdout: '', stderr: `  ${message}\n  Run \`${command} --help' for more information.\n`, rc: EINVALID_CMD_LINE };
}

function validName(n: string): boolean {
  return n !== '' && !n.startsWith('-') && n !== '.' && n !== '..' && /^[A-Za-z0-9._+-]*$/.test(n) && n.length < 128;
}

/** Synonyms lvm2 folds into the preferred option once the command is recognised. */
const MERGED: readonly [string, string][] = [
  ['resizable', 'resizeable'],
  ['allocation', 'allocatable'],
  ['allocation', 'resizeable'],
  ['virtualoriginsize', 'virtualsize'],
  ['available', 'activate'],
  ['raidrebuild', 'rebuild'],
  ['raidsyncaction', 'syncaction'],
  ['raidwritemostly', 'writemostly'],
  ['raidminrecoveryrate', 'minrecoveryrate'],
  ['raidmaxrecoveryrate', 'maxrecoveryrate'],
  ['raidwritebehind', 'writebehind'],
];

/** lvm2 _get_current_settings checks that can reject the command line. */
function checkSettings(command: string, opts: Map<string, string[]>): ParseFailure | undefined {
  const last = (id: string): string | undefined => opts.get(id)?.at(-1);
  const mode = last('activationmode');
  if (mode !== undefined) {
    if (opts.has('partial') && mode !== 'partial') {
      return settingsError(command, '--partial and --activationmode are mutually exclusive arguments');
    }
    if (!['partial', 'degraded', 'complete'].includes(mode)) return settingsError(command, 'Invalid activation mode given.');
  }
  const df = last('devicesfile');
  if (df !== undefined && df !== '' && !validName(df)) return settingsError(command, 'Invalid devices file name.');
  if (opts.has('devices') && df) return settingsError(command, 'A --devices list cannot be used with --devicesfile.');
  const units = last('units');
  if (units !== undefined && !parseUnitsArg(units)) return settingsError(command, 'Invalid units specification');
  const merged: [string, string][] = [...MERGED];
  if (command.startsWith('pv')) merged.push(['metadatacopies', 'pvmetadatacopies']);
  if (command.startsWith('vg')) merged.push(['metadatacopies', 'vgmetadatacopies']);
  for (const [from, to] of merged) {
    // Sequential like lvm2: --resizable copied into --resizeable first can then clash with --allocation.
    if (opts.has(from) && opts.has(to)) {
      return settingsError(command, `${longOptionName(from)} and ${longOptionName(to)} are synonyms.  Please only supply one.`);
    }
    const v = opts.get(from);
    if (v) opts.set(to, [...v]);
  }
  for (const [from] of merged) opts.delete(from);
  return undefined;
}

export function parseCommandLine(command: string, argv: string[]): ParsedArgs | ParseFailure {
  if (command === 'version') return { stdout: versionText(), stderr: '', rc: 0 };
  if (!isCommandName(command)) return { stdout: '', stderr: "  No such command.  Try 'lvm help'.\n", rc: ENO_SUCH_CMD };
  // lvm2 turns a leading "-?" into "-h"; anywhere else it is an unknown option.
  const args = argv.length && argv[0] === '-?' ? ['-h', ...argv.slice(1)] : argv;
  const g = getoptLong(command, stripLongOptionHyphens(args), getoptSpec(command));

  const opts = new Map<string, string[]>();
  let optCount = 0;
  for (const item of g.items) {
    if (item.kind === 'error') return parseError(item.message + '\n');
    const id = resolveKey(command, item.key);
    const spec = optionById(id);
    optCount++;
    const prev = opts.get(id);
    if (prev && !spec.countable && !spec.groupable) {
      const name = spec.short ? ` -${spec.short}/--${spec.long}` : ` --${spec.long}`;
      return parseError(`  Option${name} may not be repeated.\n`);
    }
    let value = '';
    if (spec.val) {
      const arg = item.arg ?? '';
      const check = checkValue(command, optionValueType(command, id), arg);
      if (!check.ok) {
        return parseError(check.messages.map((m) => `  ${m}\n`).join('') + `  Invalid argument for --${spec.long}: ${arg}\n`);
      }
      value = check.value;
    }
    opts.set(id, [...(prev ?? []), value]);
  }

  const match = findCommand(command, defsFor(command), opts, g.positionals, optCount);
  if (!match.ok) return { stdout: match.stdout, stderr: match.stderr, rc: EINVALID_CMD_LINE };
  // Options the definition lists as ignored are dropped (lvm2 unsets them).
  for (const a of match.def.ignored) opts.delete(a.opt);

  const bad = checkSettings(command, opts);
  if (bad) return bad;

  if (opts.has('help') || opts.has('help2') || opts.has('longhelp')) {
    return { stdout: commandHelp(command, opts.has('longhelp')) ?? '', stderr: '', rc: 0 };
  }
  if (opts.has('version')) return { stdout: versionText(), stderr: '', rc: 0 };
  if (command === 'help') return helpCommand(g.positionals);
  if (command === 'segtypes') return { stdout: segtypesText(), stderr: '', rc: 0 };
  if (command === 'formats') return { stdout: formatsText(), stderr: '', rc: 0 };

  const options = new Map<string, string[]>();
  for (const [id, values] of opts) {
    const key = optionById(id).long;
    options.set(key, [...(options.get(key) ?? []), ...values]);
  }
  return { command, defId: match.def.id, options, positionals: g.positionals };
}

export function isParseFailure(r: ParsedArgs | ParseFailure): r is ParseFailure {
  return 'rc' in r;
}

// GNU getopt_long as lvm2 calls it (glibc defaults: argument permutation, no long_only,
// errors printed with the program name). Options are reported one by one so that the caller
// can validate each value in order and stop at the first problem, exactly like lvm2's loop.

export interface ShortOpt {
  letter: string;
  hasArg: boolean;
}

export interface LongOpt {
  name: string;
  hasArg: boolean;
  /** What getopt returns for it: options sharing a key are not ambiguous with each other. */
  key: string;
}

export interface GetoptSpec {
  /** In optstring order; the first entry wins for a repeated letter, as strchr() finds it. */
  shorts: readonly ShortOpt[];
  longs: readonly LongOpt[];
}

export type GetoptItem =
  | { kind: 'opt'; key: string; arg?: string }
  | { kind: 'error'; message: string };

export interface GetoptResult {
  /** Options in command-line order; parsing stops after the first error item. */
  items: GetoptItem[];
  /** Non-option arguments in order (permuted to the end, as glibc does). */
  positionals: string[];
}

/**
 * lvm2 removes every '-' inside long options before calling getopt (`--physical-extent-size`
 * == `--physicalextentsize`), up to an '=' and until a bare `--`.
 */
export function stripLongOptionHyphens(argv: readonly string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const a = out[i];
    if (!a.startsWith('--')) continue;
    if (a === '--') break;
    const eq = a.indexOf('=', 2);
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    out[i] = '--' + name.replace(/-/g, '') + (eq < 0 ? '' : a.slice(eq));
  }
  return out;
}

function isOption(a: string): boolean {
  return a.length > 1 && a.startsWith('-');
}

export function getoptLong(prog: string, argv: readonly string[], spec: GetoptSpec): GetoptResult {
  const items: GetoptItem[] = [];
  const positionals: string[] = [];
  let i = 0;
  const fail = (message: string): GetoptResult => {
    items.push({ kind: 'error', message });
    return { items, positionals };
  };
  while (i < argv.length) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!isOption(a)) {
      positionals.push(a);
      i++;
      continue;
    }
    if (a.startsWith('--')) {
      const body = a.slice(2);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      let found = spec.longs.find((l) => l.name === name);
      if (!found) {
        const prefixed = spec.longs.filter((l) => l.name.startsWith(name));
        const first = prefixed[0];
        if (first && prefixed.some((l) => l.hasArg !== first.hasArg || l.key !== first.key)) {
          // glibc lists the first candidate and every later one that differs from it.
          const names = prefixed
            .filter((l, k) => k === 0 || l.hasArg !== first.hasArg || l.key !== first.key)
            .map((l) => ` '--${l.name}'`)
            .join('');
          return fail(`${prog}: option '--${body}' is ambiguous; possibilities:${names}`);
        }
        found = first;
      }
      if (!found) return fail(`${prog}: unrecognized option '--${body}'`);
      i++;
      if (eq >= 0) {
        if (!found.hasArg) return fail(`${prog}: option '--${found.name}' doesn't allow an argument`);
        items.push({ kind: 'opt', key: found.key, arg: body.slice(eq + 1) });
      } else if (found.hasArg) {
        if (i >= argv.length) return fail(`${prog}: option '--${found.name}' requires an argument`);
        items.push({ kind: 'opt', key: found.key, arg: argv[i++] });
      } else {
        items.push({ kind: 'opt', key: found.key });
      }
      continue;
    }
    // A cluster of short options: "-vv", "-ay", "-L20M".
    i++;
    for (let j = 1; j < a.length; j++) {
      const letter = a[j];
      const s = spec.shorts.find((o) => o.letter === letter);
      if (!s) return fail(`${prog}: invalid option -- '${letter}'`);
      if (!s.hasArg) {
        items.push({ kind: 'opt', key: letter });
        continue;
      }
      if (j + 1 < a.length) {
        items.push({ kind: 'opt', key: letter, arg: a.slice(j + 1) });
      } else if (i < argv.length) {
        items.push({ kind: 'opt', key: letter, arg: argv[i++] });
      } else {
        return fail(`${prog}: option requires an argument -- '${letter}'`);
      }
      break;
    }
  }
  return { items, positionals };
}

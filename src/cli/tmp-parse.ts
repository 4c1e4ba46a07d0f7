// TEMPORARY minimal parser used until the grammar-driven parser lands.
import type { ParsedArgs, ParseFailure } from './parsed.ts';

const SHORT: Record<string, [string, boolean]> = {
  L: ['size', true], l: ['extents', true], n: ['name', true], s: ['snapshot', false], i: ['stripes', true], I: ['stripesize', true],
  v: ['verbose', false], y: ['yes', false], f: ['force', false], q: ['quiet', false], a: ['all', false], o: ['options', true],
  O: ['sort', true], S: ['select', true], m: ['maps', false], c: ['colon', false], C: ['columns', false], Z: ['zero', true],
  x: ['allocatable', true], t: ['test', false], d: ['debug', false], h: ['help', false], A: ['activevolumegroups', false],
  r: ['resizefs', false], p: ['permission', true], W: ['wipesignatures', true], u: ['uuid', true], T: ['thin', false], V: ['virtualsize', true],
};
const LONG_ARG = new Set(['size', 'extents', 'name', 'stripes', 'stripesize', 'options', 'sort', 'select', 'units', 'separator', 'reportformat', 'driverloaded', 'devices', 'config', 'zero', 'allocatable', 'activate', 'type', 'physicalextentsize', 'metadatasize', 'dataalignment', 'pvmetadatacopies', 'file', 'permission', 'wipesignatures', 'uuid', 'restorefile', 'labelsector', 'addtag', 'deltag', 'vgmetadatacopies', 'chunksize', 'virtualsize', 'alloc', 'setphysicalvolumesize', 'devicesfile', 'adddev', 'deldev', 'addpvid', 'delpvid', 'commandprofile', 'profile']);

export function tmpParse(command: string, argv: string[]): ParsedArgs | ParseFailure {
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const add = (k: string, v: string) => options.set(k, [...(options.get(k) ?? []), v]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const k = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (LONG_ARG.has(k)) add(k, eq > 0 ? a.slice(eq + 1) : argv[++i] ?? '');
      else add(k, '');
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const d = a[j] === 'a' && /^(lvcreate|lvchange|vgchange)$/.test(command) ? (['activate', true] as [string, boolean]) : SHORT[a[j]!];
        if (!d) return { stdout: '', stderr: `${command}: invalid option -- '${a[j]}'\n  Error during parsing of command line.\n`, rc: 3 };
        if (d[1]) {
          add(d[0], j + 1 < a.length ? a.slice(j + 1) : argv[++i] ?? '');
          break;
        }
        add(d[0], '');
      }
      continue;
    }
    positionals.push(a);
  }
  return { command, defId: command, options, positionals };
}

/** TEMPORARY: size argument in sectors with a default unit. */
export function tmpSize(s: string, dflt: 'm' | 'k' = 'm'): { sign: string; sectors: number } | undefined {
  const m = /^([+-]?)([0-9]*\.?[0-9]+)([bBsSkKmMgGtTpPeE]?)$/.exec(s);
  if (!m) return undefined;
  const mult: Record<string, number> = { b: 1 / 512, s: 1, k: 2, m: 2048, g: 2048 * 1024, t: 2048 * 1024 ** 2, p: 2048 * 1024 ** 3, e: 2048 * 1024 ** 4 };
  const u = (m[3] || dflt).toLowerCase();
  return { sign: m[1]!, sectors: Math.ceil(parseFloat(m[2]!) * mult[u]!) };
}

// Size output: lvm's `--units` letters and the two suffix styles (report `24.00m`, display
// `24.00 MiB`). Follows libdm's dm_size_to_string / dm_units_to_factor with
// si_unit_consistency=1 (letter case matters: lower = 1024, upper = 1000).

export interface Units {
  /** Unit letter as lvm keeps it: h H r R b B s S k..e K..E, or 'U' for a custom multiple. */
  type: string;
  /** Bytes per unit for explicit units (1 for the human-readable letters). */
  factor: number;
}

export const DEFAULT_UNITS: Units = { type: 'r', factor: 1 };

const BINARY: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };
const DECIMAL: Record<string, number> = { K: 1, M: 2, G: 3, T: 4, P: 5, E: 6 };

/** `--units` argument → Units; undefined means "Invalid units specification". */
export function parseUnits(arg: string): Units | undefined {
  const m = /^([0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?)(.*)$/.exec(arg);
  if (!m) return undefined;
  let numText = m[1]!;
  let rest = m[2]!;
  // strtod would swallow "1e" only with digits after it; a bare letter e/E is a unit.
  if (/[eE]$/.test(numText)) {
    rest = numText.slice(-1) + rest;
    numText = numText.slice(0, -1);
  }
  let custom = 0;
  let v = 1;
  if (numText !== '' && /^[0-9]/.test(arg)) {
    custom = Number.parseFloat(numText);
    if (!Number.isFinite(custom)) return undefined;
    v = Number.parseInt(numText, 10);
    if (v === custom) custom = 0;
  } else if (numText !== '') {
    return undefined;
  }
  // Exactly one unit letter after the number.
  if (rest.length !== 1) return undefined;
  const letter = rest;
  let type = v === 1 ? letter : 'U';
  let multiplier: number;
  if ('hHrR'.includes(letter)) {
    multiplier = 1;
    v = 1;
    type = letter;
  } else if (letter === 'b' || letter === 'B') multiplier = 1;
  else if (letter === 's' || letter === 'S') multiplier = 512;
  else if (BINARY[letter] !== undefined) multiplier = 1024 ** BINARY[letter]!;
  else if (DECIMAL[letter] !== undefined) multiplier = 1000 ** DECIMAL[letter]!;
  else return undefined;
  const factor = custom === 0 ? v * multiplier : Math.trunc(custom * multiplier);
  if (factor === 0) return undefined;
  return { type, factor };
}

type Style = 'report' | 'display';

interface UnitName {
  report: string;
  display: string;
}

const BIN_NAMES: UnitName[] = [
  { report: 'e', display: ' EiB' },
  { report: 'p', display: ' PiB' },
  { report: 't', display: ' TiB' },
  { report: 'g', display: ' GiB' },
  { report: 'm', display: ' MiB' },
  { report: 'k', display: ' KiB' },
  { report: 'b', display: ' B' },
];
const SI_NAMES: UnitName[] = [
  { report: 'E', display: ' EB' },
  { report: 'P', display: ' PB' },
  { report: 'T', display: ' TB' },
  { report: 'G', display: ' GB' },
  { report: 'M', display: ' MB' },
  { report: 'K', display: ' kB' },
  // libdm shares this entry with its "special" bytes unit, hence the trailing blank.
  { report: 'B', display: ' B ' },
];
const SPECIAL: Record<string, UnitName> = {
  B: { report: 'B', display: ' B ' },
  U: { report: 'U', display: ' Un' },
  S: { report: 'S', display: ' Se' },
};

/** Core of dm_size_to_string; `sectors` are 512-byte sectors. */
function formatSize(sectors: number, units: Units, suffix: boolean, style: Style): string {
  const t = units.type;
  let name: UnitName | undefined;
  if (DECIMAL[t] !== undefined) name = SI_NAMES[6 - DECIMAL[t]!];
  else if (BINARY[t] !== undefined) name = BIN_NAMES[6 - BINARY[t]!];
  else if (SPECIAL[t.toUpperCase()] !== undefined) name = SPECIAL[t.toUpperCase()];

  if (sectors === 0) {
    // Human units print a blank where the letter would be, so that "0 " aligns with "8.00m".
    const zeroSuffix = name ? name[style] : style === 'report' ? ' ' : '   ';
    return '0' + (suffix ? zeroSuffix : '');
  }
  const bytes = sectors * 512;
  let divisor: number;
  let prefix = '';
  if (name) {
    divisor = units.factor;
  } else {
    const base = t === 'H' || t === 'R' ? 1000 : 1024;
    const names = base === 1000 ? SI_NAMES : BIN_NAMES;
    let s = 0;
    divisor = base ** 6;
    while (s < 6 && bytes < divisor) {
      divisor /= base;
      s++;
    }
    name = names[s]!;
    if (s < 6 && (t === 'r' || t === 'R')) {
      // '<' means "the real value is smaller than printed": rounding to 2 decimals went up.
      const d = (100 * bytes) / divisor;
      if (Math.floor(d) !== roundHalfEven(d)) prefix = '<';
    }
    suffix = true;
  }
  const letter = name.report.toUpperCase();
  const precision = letter === 'B' || letter === 'S' ? 0 : 2;
  return prefix + cFixed(bytes / divisor, precision) + (suffix ? name[style] : '');
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * printf("%.*f") of a double. JS toFixed rounds exact ties away from zero while glibc rounds
 * them to even; ties are only possible for multiples of 1/8 (e.g. 0.125 → "0.12").
 */
export function cFixed(x: number, digits: number): string {
  const scale = 10 ** digits;
  if (Number.isInteger(x * 8)) {
    const scaled = x * scale;
    if (scaled - Math.floor(scaled) === 0.5) {
      const even = roundHalfEven(scaled);
      return (even / scale).toFixed(digits);
    }
  }
  return x.toFixed(digits);
}

/** Report style (`pvs`, `lvs`, JSON): `24.00m`, `<1024.00g`, `0 `, `25165824B`. */
export function reportSize(sectors: number, units: Units = DEFAULT_UNITS, nosuffix = false): string {
  return formatSize(sectors, units, !nosuffix, 'report');
}

/** Display style (pvdisplay, messages): `25.00 MiB`, `<25.00 MiB`, `0   `, `20971520 B `. */
export function displaySize(sectors: number, units: Units = DEFAULT_UNITS, nosuffix = false): string {
  return formatSize(sectors, units, !nosuffix, 'display');
}

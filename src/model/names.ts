// VG/LV name rules and lvm2's messages for them.
export const NAME_LEN = 128;
const RESERVED_PREFIXES = ['pvmove', 'snapshot'];
const RESERVED_PARTS = ['_cdata', '_cmeta', '_corig', '_cpool', '_cvol', '_wcorig', '_mimage', '_mlog', '_rimage', '_rmeta', '_tdata', '_tmeta', '_vdata', '_imeta', '_iorig', '_pmspare', '_vorigin'];

/** Returns the specific reason lvm2 prints, or undefined for a valid name. */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Name is zero length.';
  if (name.length >= NAME_LEN) return `Name length exceeds maximum limit of ${NAME_LEN - 1}.`;
  if (name[0] === '-') return 'Name cannot start with hyphen.';
  if (name === '.' || name === '..') return 'Name starts with . or .. and has no following character(s).';
  if (!/^[a-zA-Z0-9+_.-]+$/.test(name)) return 'Name contains invalid character, valid set includes: [a-zA-Z0-9.-_+].';
  return undefined;
}

/** Reserved LV names (user-chosen names only). */
export function lvNameRestriction(name: string): string | undefined {
  for (const p of RESERVED_PREFIXES) if (name.startsWith(p)) return `Names starting "${p}" are reserved. Please choose a different LV name.`;
  for (const p of RESERVED_PARTS) if (name.includes(p)) return `Names including "${p}" are reserved. Please choose a different LV name.`;
  return undefined;
}

/** lvolN with N one more than the highest existing lvol<N> prefix (hidden LVs included). */
export function nextLvolName(existing: Iterable<string>, prefix = 'lvol'): string {
  let max = -1;
  for (const n of existing) {
    const m = /^lvol(\d+)/.exec(n);
    if (m) max = Math.max(max, parseInt(m[1]!, 10));
  }
  return `${prefix}${max + 1}`;
}

/** dm name: every '-' inside VG and LV names doubled. */
export function dmName(vg: string, lv: string, layer?: string): string {
  const d = (s: string) => s.replace(/-/g, '--');
  return `${d(vg)}-${d(lv)}${layer ? '-' + layer : ''}`;
}

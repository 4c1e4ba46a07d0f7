// LVM ids: 32 characters, shown in groups 6-4-4-4-4-4-6.
export const ID_LEN = 32;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#';
const GROUPS = [6, 4, 4, 4, 4, 4, 6];

/** lvm maps each random byte modulo 62 so that '!' and '#' are never generated. */
export function generateId(random: (n: number) => Uint8Array = defaultRandom): string {
  const bytes = random(ID_LEN);
  let s = '';
  for (let i = 0; i < ID_LEN; i++) s += ALPHABET[bytes[i]! % 62];
  return s;
}

function defaultRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

export function formatId(id: string): string {
  let out = '';
  let pos = 0;
  for (const g of GROUPS) {
    if (out) out += '-';
    out += id.slice(pos, pos + g);
    pos += g;
  }
  return out;
}

/** Dashes are ignored anywhere; returns undefined when the result is not a valid id. */
export function parseId(text: string): string | undefined {
  const s = text.replace(/-/g, '');
  if (s.length !== ID_LEN) return undefined;
  for (const ch of s) if (!ALPHABET.includes(ch)) return undefined;
  return s;
}

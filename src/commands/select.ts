// Finding the objects named on the command line, with lvm2's messages when they are not there.
import type { Ctx } from './context.ts';
import { fail } from './context.ts';
import type { FoundVg } from '../metadata/scan.ts';
import type { LogicalVolume } from '../model/types.ts';

/** Accepts VG/LV, /dev/VG/LV and /dev/mapper/VG-LV. */
export function splitLvName(arg: string): { vg: string; lv: string } | undefined {
  let s = arg;
  if (s.startsWith('/dev/mapper/')) {
    const m = /^((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(s.slice('/dev/mapper/'.length));
    if (!m) return undefined;
    return { vg: m[1]!.replace(/--/g, '-'), lv: m[2]!.replace(/--/g, '-') };
  }
  if (s.startsWith('/dev/')) s = s.slice(5);
  const parts = s.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { vg: parts[0], lv: parts[1] };
}

export const vgNotFound = (name: string): string[] => [`Volume group "${name}" not found`, `Cannot process volume group ${name}`];

export function findVgOrFail(ctx: Ctx, name: string): FoundVg {
  const f = ctx.scan().get(name);
  if (!f) fail(vgNotFound(name), 5, 'VG_NOT_FOUND', { vg: name });
  return f;
}

/** For commands that go on with the other VGs named: prints lvm2's two lines and returns undefined. */
export function findVgOrSay(ctx: Ctx, name: string, refresh = false): FoundVg | undefined {
  const f = ctx.scan(refresh).get(name);
  if (!f) for (const l of vgNotFound(name)) ctx.error(l);
  return f;
}

export function findLv(f: FoundVg, name: string): LogicalVolume | undefined {
  return f.vg.lvs.find((l) => l.name === name);
}

/** Runs `fn` for each named VG in turn; missing ones get lvm2's two lines and make the result 5. */
export async function eachNamedVg(ctx: Ctx, names: string[], fn: (f: FoundVg) => Promise<number | void> | number | void): Promise<number> {
  let rc = 0;
  for (const name of names) {
    const f = findVgOrSay(ctx, name);
    if (!f) {
      rc = 5;
      continue;
    }
    const r = await fn(f);
    if (r) rc = r;
  }
  return rc;
}

// Output primitives shared by the display commands: lvm2's log_print (always shown, two-space
// prefix) and log_print_unless_silent (hidden only by -qq), and the size formatter that honours
// --units / --nosuffix the way display_size() does.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { displaySize, parseUnits, type Units } from '../../report/units.ts';

/** log_print: display text is never silenced (lvm2 prints it at warning level). */
export function say(ctx: Ctx, text: string): void {
  ctx.output(`  ${text}\n`);
}

/** log_print_unless_silent: only `-qq` (lvm2's "silent" mode) hides it. */
export function sayUnlessSilent(ctx: Ctx, text: string): void {
  if (ctx.count('quiet') < 2) say(ctx, text);
}

export type SizeFn = (sectors: number) => string;

/** The units in force: --units, else global/units from the configuration (default `r`). */
export function unitsOf(ctx: Ctx): Units {
  const arg = ctx.opt('units') ?? ctx.config.str('global/units', 'r');
  const u = parseUnits(arg);
  // lvm2 rejects a bad unit while reading the command line, before any command runs.
  if (!u) fail(['Invalid units specification', `Run \`${ctx.args.command} --help' for more information.`], 3);
  return u;
}

/** display_size() bound to this command's units and suffix settings. */
export function sizer(ctx: Ctx): SizeFn {
  const units = unitsOf(ctx);
  const nosuffix = ctx.has('nosuffix') || ctx.config.int('global/suffix', 1) === 0;
  return (sectors) => displaySize(sectors, units, nosuffix);
}

/** printf("%-*s"): pad on the right to at least `width`. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

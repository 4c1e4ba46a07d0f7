// `-C/--columns` turns a display command into its report twin (pvdisplay -C is pvs, and so on),
// exactly as lvm2's tools call pvs()/vgs()/lvs(); plus the shared command-line rejection.
import type { Ctx } from '../../ops/context.ts';
import { fail } from '../../ops/context.ts';
import { COMMANDS } from '../index.ts';

/** Runs the report command `name` on this command line. */
export async function reportInstead(ctx: Ctx, name: 'pvs' | 'vgs' | 'lvs'): Promise<number> {
  const mod = await COMMANDS[name]!();
  return mod.run(ctx);
}

/** EINVALID_CMD_LINE: the message, then lvm2's "Run ... --help" hint, exit code 3. */
export function badCommandLine(ctx: Ctx, msg: string): never {
  return fail([msg, `Run \`${ctx.args.command} --help' for more information.`], 3);
}

// Entry point: `ulvm <command> ...`, `lvm <command> ...`, or a symlink named like an lvm2 command.
import { basename } from 'node:path';
import { realpathSync } from 'node:fs';
import { COMMANDS } from '../commands/index.ts';
import { ProcessIo, type Io } from '../ops/io.ts';
import { parseCommandLine } from './grammar.ts';
import { Ctx, type RunEnv } from '../ops/context.ts';
import { fileOpener } from '../devices/file.ts';
import { DaemonClient } from '../daemon/client.ts';
import { systemPaths } from '../metadata/paths.ts';
import type { Activator } from '../activation/activator.ts';
import { userFailure } from './user-errors.ts';
import { UlvmError } from '../errors.ts';
import { ConfigError } from '../metadata/config.ts';
import { ULVM_COMMANDS as ULVM_OWN, ulvmCommand, ulvmCommandHelp, ulvmHelpList, ulvmVersionLine, wantsHelp } from './ulvm-commands.ts';
import { lvmHelpList, versionText } from './help.ts';
import { isCommandName } from './grammar/registry.ts';

export { BufferIo } from '../ops/io.ts';
export { fileOpener } from '../devices/file.ts';
export { MemoryDisks } from '../devices/memory.ts';
export type { RunEnv } from '../ops/context.ts';

function isFailure(x: object): x is { stdout: string; stderr: string; rc: number } {
  return 'rc' in x;
}

/** Real devices are activated by the daemon of the run directory, which the CLI starts on demand. */
function defaultActivator(env: RunEnv): Activator | undefined {
  if (env.opener !== fileOpener || !env.self) return undefined;
  return new DaemonClient(systemPaths(env.env, env.uid).runDir, env.self, env.env);
}

/** Runs one lvm2 command in-process; returns its exit code. */
export async function runCommand(name: string, argv: string[], env: RunEnv): Promise<number> {
  const io: Io = env.io;
  const own = ownText(name, argv, env.program === 'ulvm');
  if (own) {
    if (own.stdout) io.out(own.stdout);
    if (own.stderr) io.err(own.stderr);
    return own.rc;
  }
  // ulvm's own commands (demo, ...) take plain positional arguments.
  const parsed = ULVM_COMMANDS.has(name) ? { command: name, defId: name, options: new Map<string, string[]>(), positionals: argv } : parseCommandLine(name, argv);
  if (isFailure(parsed)) {
    if (parsed.stdout) io.out(parsed.stdout);
    if (parsed.stderr) io.err(parsed.stderr);
    return parsed.rc;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`  ${name}: this lvm2 command is not implemented by ulvm yet.\n`);
    return 5;
  }
  let ctx: Ctx;
  try {
    ctx = new Ctx({ ...env, dispatch: env.dispatch ?? runCommand }, parsed, [name, ...argv].join(' '), env.activator ?? defaultActivator(env));
  } catch (e) {
    // An unreadable or broken lvm.conf stops every command before it starts.
    const f = userFailure(e);
    if (!f) throw e;
    io.err(f.stderr);
    return f.rc;
  }
  if (ctx.opt('driverloaded') === 'n') ctx.warn('WARNING: Activation disabled. No device-mapper interaction will be attempted.');
  try {
    const mod = await load();
    if (!ULVM_COMMANDS.has(name)) {
      await ctx.loadActivation();
      // Waits (asynchronously) for any commit in progress, so the command's scan is a settled one.
      await ctx.settleScan();
    }
    try {
      return await mod.run(ctx);
    } finally {
      ctx.flushBackups();
    }
  } catch (e) {
    // Every UlvmError (CmdError, LockError, device and backup failures …) carries its own lines and rc.
    // With a log/prefix of lvm.conf's, the lines take it (a configuration error has its own text).
    if (e instanceof UlvmError && !(e instanceof ConfigError) && e.lines.length && ctx.prefix !== '  ') {
      io.err(ctx.failureText(e.lines));
      return e.rc;
    }
    const f = userFailure(e);
    if (f) {
      io.err(f.stderr);
      return f.rc;
    }
    io.err(`  Internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 5;
  } finally {
    await ctx.locks.releaseAll();
  }
}

const ULVM_COMMANDS = new Set(ULVM_OWN.map((c) => c.name));

/**
 * Texts that name ulvm itself: `--help` of ulvm's own commands (always), and, when run as ulvm,
 * `ulvm help` with ulvm's commands listed below lvm2's, `ulvm help demo`, and `ulvm version` /
 * `ulvm --version` / `ulvm pvs --version` with ulvm's version above lvm2's lines.
 */
function ownText(name: string, argv: string[], asUlvm: boolean): { stdout: string; stderr: string; rc: number } | undefined {
  const cmd = ulvmCommand(name);
  if (cmd) return wantsHelp(argv) ? { stdout: ulvmCommandHelp(cmd), stderr: '', rc: 0 } : undefined;
  if (!asUlvm) return undefined;
  if (name === 'help') {
    if (!argv.length) return { stdout: '', stderr: lvmHelpList() + ulvmHelpList(), rc: 0 };
    const own = argv.map((a) => ulvmCommand(a));
    if (own.every((c) => c)) return { stdout: own.map((c) => ulvmCommandHelp(c!)).join(''), stderr: '', rc: 0 };
    return undefined;
  }
  if (name === 'version' || name === '--version' || (argv.includes('--version') && isCommandName(name))) {
    const r = name === '--version' ? { stdout: versionText() } : parseCommandLine(name, argv);
    if ('rc' in r && r.rc !== 0) return undefined;
    if (name === '--version' || ('stdout' in r && r.stdout === versionText())) return { stdout: ulvmVersionLine() + versionText(), stderr: '', rc: 0 };
    return undefined;
  }
  if (name === '--help' || name === '-h') return { stdout: '', stderr: lvmHelpList() + ulvmHelpList(), rc: 0 };
  return undefined;
}

const SELF_NAMES = new Set(['ulvm', 'lvm', 'ulvm.mjs', 'main.ts']);

export async function runFromProcess(): Promise<void> {
  const invoked = basename(process.argv[1] ?? 'ulvm');
  let args = process.argv.slice(2);
  let name: string;
  if (SELF_NAMES.has(invoked)) {
    name = args[0] ?? 'help';
    args = args.slice(1);
  } else name = invoked;
  const env: RunEnv = {
    program: invoked === 'lvm' ? 'lvm' : SELF_NAMES.has(invoked) ? 'ulvm' : invoked,
    io: new ProcessIo(),
    env: process.env,
    uid: process.getuid?.() ?? 0,
    cwd: process.cwd(),
    opener: fileOpener,
    self: [process.execPath, realpathSync(process.argv[1] ?? 'ulvm')],
  };
  process.exitCode = await runCommand(name, args, env);
}

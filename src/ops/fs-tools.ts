// Running the filesystem tools fsadm runs (fsck, resize2fs, mount, …) with their output on the
// user's streams, as lvm2's forked fsadm leaves them: on a terminal the tools write to it
// directly (their lines interleave exactly as with lvm2); what ulvm must read or filter, and all
// output under an in-memory Io, is passed on as it arrives.
import { spawn } from 'node:child_process';
import { ProcessIo, type Io } from './io.ts';

export interface ToolRun {
  /** Exit status; 127 when the tool could not be started (not installed). */
  status: number;
  /** stdout when kept (`quiet`); stderr when watched. */
  stdout: string;
  stderr: string;
}

export interface ToolEnv {
  io: Io;
  env: Record<string, string | undefined>;
}

export interface ToolOptions {
  /** Keep stdout instead of showing it (fsadm reads blkid's answer). */
  quiet?: boolean;
  /** Keep stderr too (still shown), to tell one failure from another. */
  watchStderr?: boolean;
  /** stderr lines not to pass on (watched stderr only). */
  dropLine?: (line: string) => boolean;
}

/** fsadm's PATH: the system directories first, so /sbin tools are found for any user PATH. */
function toolPath(env: Record<string, string | undefined>): string {
  return `/sbin:/usr/sbin:/bin:/usr/sbin:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
}

/** Passes a stream on line by line (so dropped lines can be recognised whole), keeping all of it. */
class Relay {
  text = '';
  private partial = '';
  constructor(
    private readonly write: ((s: string) => void) | undefined,
    private readonly drop?: (line: string) => boolean,
  ) {}
  push(chunk: string): void {
    this.text += chunk;
    if (!this.write) return;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop()!;
    for (const l of lines) if (!this.drop?.(l)) this.write(`${l}\n`);
  }
  end(): void {
    if (this.write && this.partial && !this.drop?.(this.partial)) this.write(this.partial);
    this.partial = '';
  }
}

/** Runs `cmd args` with no stdin: fsadm runs these tools non-interactively. */
export function runTool(t: ToolEnv, cmd: string, args: string[], opts: ToolOptions = {}): Promise<ToolRun> {
  const direct = t.io instanceof ProcessIo;
  const pipeOut = opts.quiet || !direct;
  const pipeErr = opts.watchStderr || !direct;
  const out = new Relay(opts.quiet ? undefined : (s) => t.io.out(s));
  const err = new Relay((s) => t.io.err(s), opts.watchStderr ? opts.dropLine : undefined);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...t.env, PATH: toolPath(t.env) }, stdio: ['ignore', pipeOut ? 'pipe' : 'inherit', pipeErr ? 'pipe' : 'inherit'] });
    child.stdout?.setEncoding('utf8').on('data', (c: string) => out.push(c));
    child.stderr?.setEncoding('utf8').on('data', (c: string) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      // What the shell running fsadm says for a tool that is not installed (status 127).
      t.io.err(e.code === 'ENOENT' ? `fsadm: ${cmd}: command not found\n` : `fsadm: ${cmd}: ${e.message}\n`);
      resolve({ status: 127, stdout: '', stderr: '' });
    });
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      // A tool killed by a signal has failed, as the shell's 128+N says.
      resolve({ status: code ?? (signal ? 128 : 1), stdout: out.text, stderr: err.text });
    });
  });
}

// The result of parsing an lvm2-style command line: what command handlers receive.
export interface ParsedArgs {
  command: string;
  /** Id of the command definition that matched (e.g. `lvcreate_linear`), as in lvm2's command-lines.in. */
  defId: string;
  /** Options by their long name without dashes (`size`, `verbose`); one entry per occurrence. */
  options: Map<string, string[]>;
  positionals: string[];
}

export function opt(p: ParsedArgs, name: string): string | undefined {
  const v = p.options.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function optAll(p: ParsedArgs, name: string): string[] {
  return p.options.get(name) ?? [];
}

export function has(p: ParsedArgs, name: string): boolean {
  return p.options.has(name);
}

export function count(p: ParsedArgs, name: string): number {
  return p.options.get(name)?.length ?? 0;
}

/** Outcome when the command line is rejected: text for both streams and lvm's exit code. */
export interface ParseFailure {
  stdout: string;
  stderr: string;
  rc: number;
}

// Golden transcript access for the command-line parser tests (self-contained on purpose:
// these tests must not depend on the command implementations).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Step {
  command: string;
  stdout: string;
  stderr: string;
  exit_code: number;
}

const dir = (): string =>
  process.env.ULVM_GOLDEN_DIR ?? new URL('../fixtures/golden', import.meta.url).pathname;

export function steps(file: string): Step[] {
  const d = JSON.parse(readFileSync(join(dir(), 'json', `${file}.json`), 'utf8')) as { steps: (Step | { note: string })[] };
  return d.steps.filter((s): s is Step => 'command' in s);
}

export function step(file: string, command: string): Step {
  const s = steps(file).find((x) => x.command === command);
  if (!s) throw new Error(`no step "${command}" in ${file}`);
  return s;
}

/** Words of a simple command line (quotes only), without a leading `lvm`. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out[0] === 'lvm' ? out.slice(1) : out;
}

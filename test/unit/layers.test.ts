// The folders of src/ are layers: imports between folders must never form a cycle (commands use
// the operations, the operations use metadata and activation, never the other way round).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(new URL('../../src', import.meta.url).pathname);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Top-level folder of a file under src/; a file directly in src/ (index.ts, errors.ts) is a layer of its own. */
const folder = (file: string) => relative(SRC, file).split('/')[0]!;

/** folder → folders it imports from (type-only imports included: they tie layers too). */
export function folderGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const f of files(SRC)) {
    const from = folder(f);
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const to = folder(resolve(dirname(f), m[1]!));
      if (to === from) continue;
      if (!g.has(from)) g.set(from, new Map());
      if (!g.get(from)!.has(to)) g.get(from)!.set(to, relative(SRC, f));
    }
  }
  return g;
}

test('no import cycles between the folders of src/', () => {
  const g = folderGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    path.push(n);
    for (const [m, via] of g.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push(`${[...path.slice(path.indexOf(m)), m].join(' → ')} (${n} → ${m} in ${via})`);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  assert.deepEqual(cycles, []);
});

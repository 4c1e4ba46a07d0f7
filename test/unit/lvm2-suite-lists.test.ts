// The lvm2 suite's lists (test/lvm2-suite): every test of lvm2 2.03.16's test/shell is either run
// or left out with a reason, never both. Checked against the scripts themselves when fetch.sh
// has put the source in its cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'lvm2-suite');

function entries(file: string): string[] {
  return readFileSync(join(DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
}

const inScope = entries('in-scope.txt').map((l) => l.trim());
const outOfScope = entries('out-of-scope.txt').map((l) => {
  const m = /^(\S+)\s+(.*)$/.exec(l);
  return { name: m?.[1] ?? l.trim(), reason: m?.[2]?.trim() ?? '' };
});

test('each in-scope line is one test name, listed once', () => {
  for (const n of inScope) assert.match(n, /^[\w.-]+$/, `"${n}"`);
  assert.equal(new Set(inScope).size, inScope.length, 'duplicates in in-scope.txt');
});

test('each out-of-scope test has a reason and is not also in scope', () => {
  const run = new Set(inScope);
  const seen = new Set<string>();
  for (const { name, reason } of outOfScope) {
    assert.ok(reason, `${name} has no reason`);
    assert.ok(!run.has(name), `${name} is in both lists`);
    assert.ok(!seen.has(name), `${name} is twice in out-of-scope.txt`);
    seen.add(name);
  }
});

test('the lists cover exactly the scripts of 2.03.16 test/shell', (t) => {
  const cache = process.env.ULVM_LVM2_SUITE_CACHE || join(process.env.XDG_CACHE_HOME || '/tmp', 'ulvm-lvm2-suite');
  const shell = join(cache, 'lvm2-2.03.16', 'test', 'shell');
  if (!existsSync(shell)) {
    t.skip(`no lvm2 source at ${shell} (test/lvm2-suite/fetch.sh puts it there)`);
    return;
  }
  const scripts = readdirSync(shell)
    .filter((f) => f.endsWith('.sh'))
    .map((f) => f.slice(0, -3))
    .sort();
  const listed = [...inScope, ...outOfScope.map((e) => e.name)].sort();
  assert.deepEqual(listed, scripts);
});

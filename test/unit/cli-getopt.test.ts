// GNU getopt_long behaviour as lvm2 relies on it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getoptLong, stripLongOptionHyphens, type GetoptSpec } from '../../src/cli/getopt.ts';

const spec: GetoptSpec = {
  shorts: [
    { letter: 'L', hasArg: true },
    { letter: 'v', hasArg: false },
    { letter: 'a', hasArg: true },
    { letter: 'y', hasArg: false },
  ],
  longs: [
    { name: 'size', hasArg: true, key: 'L' },
    { name: 'verbose', hasArg: false, key: 'v' },
    { name: 'version', hasArg: false, key: 'version' },
    { name: 'activate', hasArg: true, key: 'a' },
    { name: 'yes', hasArg: false, key: 'y' },
    { name: 'units', hasArg: true, key: 'units' },
  ],
};

test('permutation, clusters, attached and detached arguments, --', () => {
  const r = getoptLong('p', ['vg', '-vvL20M', '-ay', '--size=-1', 'pv', '-L', '-20M', '--units', 'm', '--', '-v', 'x'], spec);
  assert.deepEqual(r.items, [
    { kind: 'opt', key: 'v' },
    { kind: 'opt', key: 'v' },
    { kind: 'opt', key: 'L', arg: '20M' },
    { kind: 'opt', key: 'a', arg: 'y' },
    { kind: 'opt', key: 'L', arg: '-1' },
    { kind: 'opt', key: 'L', arg: '-20M' },
    { kind: 'opt', key: 'units', arg: 'm' },
  ]);
  assert.deepEqual(r.positionals, ['vg', 'pv', '-v', 'x']);
  assert.deepEqual(getoptLong('p', ['-', '-a', '--'], spec).items, [{ kind: 'opt', key: 'a', arg: '--' }]);
  assert.deepEqual(getoptLong('p', ['-'], spec).positionals, ['-']);
});

test('abbreviations and glibc error texts', () => {
  assert.deepEqual(getoptLong('p', ['--si', '1'], spec).items, [{ kind: 'opt', key: 'L', arg: '1' }]);
  assert.deepEqual(getoptLong('p', ['--ye'], spec).items, [{ kind: 'opt', key: 'y' }]);
  const err = (argv: string[]): string => {
    const last = getoptLong('lvs', argv, spec).items.at(-1);
    assert.ok(last && last.kind === 'error');
    return last.message;
  };
  assert.equal(err(['--ver']), "lvs: option '--ver' is ambiguous; possibilities: '--verbose' '--version'");
  assert.equal(err(['--ver=1']), "lvs: option '--ver=1' is ambiguous; possibilities: '--verbose' '--version'");
  assert.equal(err(['--nosuch']), "lvs: unrecognized option '--nosuch'");
  assert.equal(err(['--nosuch=3']), "lvs: unrecognized option '--nosuch=3'");
  assert.equal(err(['--yes=1']), "lvs: option '--yes' doesn't allow an argument");
  assert.equal(err(['--un']), "lvs: option '--units' requires an argument");
  assert.equal(err(['-L']), "lvs: option requires an argument -- 'L'");
  assert.equal(err(['-vQ']), "lvs: invalid option -- 'Q'");
  assert.equal(err(['-yes']), "lvs: invalid option -- 'e'");
  // Parsing stops at the first error, after the options before it.
  assert.deepEqual(getoptLong('lvs', ['-v', '-Q', '-y'], spec).items.length, 2);
});

test('lvm2 removes hyphens inside long option names', () => {
  assert.deepEqual(stripLongOptionHyphens(['--physical-extent-size', '4m', '--config=a-b', '-a-b', '--', '--x-y']), [
    '--physicalextentsize',
    '4m',
    '--config=a-b',
    '-a-b',
    '--',
    '--x-y',
  ]);
});

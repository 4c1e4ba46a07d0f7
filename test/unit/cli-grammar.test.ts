// The parser and help texts against lvm2's own output, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/cli/grammar.ts';
import type { ParsedArgs, ParseFailure } from '../../src/ops/args.ts';
import { step, steps, words, type Step } from './cli-golden.ts';

function run(line: string): ParsedArgs | ParseFailure {
  const [cmd, ...args] = words(line);
  return parseCommandLine(cmd ?? '', args);
}

function assertGolden(s: Step): void {
  const r = run(s.command);
  assert.ok('rc' in r, `${s.command}: expected a final outcome, got a parsed command`);
  assert.equal(r.stdout, s.stdout, `${s.command}: stdout`);
  assert.equal(r.stderr, s.stderr, `${s.command}: stderr`);
  assert.equal(r.rc, s.exit_code, `${s.command}: rc`);
}

// Every step of h08: each --help, `lvm help lvs`, unknown command, syntax errors, --longhelp.
for (const s of steps('h08-help')) test(`h08: ${s.command}`, () => assertGolden(s));

const ERRORS: [string, string][] = [
  ['12-errors', 'lvcreate -L 20M'],
  ['12-errors', 'lvcreate lab-vg1'],
  ['12-errors', 'lvcreate -L 20X lab-vg1'],
  ['12-errors', 'lvcreate -L -20M lab-vg1'],
  ['12-errors', 'lvcreate'],
  ['12-errors', 'vgcreate'],
  ['12-errors', 'lvcreate --type foo -L 4M lab-vg1'],
  ['12-errors', 'lvcreate -l 50%XX lab-vg1'],
  ['h07-report-edge-cases', 'lvs --units X'],
  ['h07-report-edge-cases', 'lvs --reportformat xml'],
  ['14-misc', 'lvm help'],
  ['14-misc', 'lvm segtypes'],
  ['14-misc', 'lvm formats'],
  ['14-misc', 'lvcreate --help'],
];
for (const [file, command] of ERRORS) test(`${file}: ${command}`, () => assertGolden(step(file, command)));

test('version text is lvm 2.03.16 without the Driver line (no kernel device-mapper)', () => {
  for (const command of ['lvm version', 'lvs --version']) {
    const s = step('14-misc', command);
    const want = s.stdout.replace(/^ {2}Driver version:.*\n/m, '');
    const r = run(command);
    assert.ok('rc' in r);
    assert.equal(r.stdout, want);
    assert.equal(r.rc, 0);
  }
});

test('every lvm command line of the golden files that lvm2 accepted parses', () => {
  const files = ['01-pvcreate', '03-vgcreate', '04-lvcreate', '05-vgextend-lvextend', '06-snapshot', '08-lvremove',
    '09-thinpool', '10-reports', '13-sizes', '14-misc', '15-extras', 'h03-vgcreate', 'h04-lvcreate', 'h06-units-rounding',
    'h07-report-edge-cases', 'h12-errors'];
  let checked = 0;
  for (const f of files) {
    for (const s of steps(f)) {
      if (/[;|&<>]/.test(s.command) || !/^(lvm |pv|vg|lv)/.test(s.command) || s.exit_code === 3) continue;
      if (/--version|--help|^lvm (help|version|segtypes|formats)/.test(s.command) || / -o help| -S help/.test(s.command)) continue;
      const r = run(s.command);
      assert.ok(!('rc' in r), `${f}: ${s.command}: ${'rc' in r ? r.stderr : ''}`);
      checked++;
    }
  }
  assert.ok(checked > 200, `only ${checked} command lines checked`);
});

test('definition ids and option keys', () => {
  const cases: [string, string, Record<string, string[]>, string[]][] = [
    ['lvcreate -L 20M lab-vg1', 'lvcreate_linear', { size: ['20M'] }, ['lab-vg1']],
    ['lvcreate -vvL20M -n x vg', 'lvcreate_linear', { verbose: ['', ''], size: ['20M'], name: ['x'] }, ['vg']],
    ['lvcreate --snapshot --name snap --size 10M lab-vg2/lvol0', 'lvcreate_cow_snapshot', { snapshot: [''], name: ['snap'], size: ['10M'] }, ['lab-vg2/lvol0']],
    ['lvcreate -n thin1 -V 80M --thinpool pool0 lab-vg2', 'lvcreate_thin_vol', { name: ['thin1'], virtualsize: ['80M'], thinpool: ['pool0'] }, ['lab-vg2']],
    ['lvcreate -i 2 -I 64k -L 8M lab-vg2', 'lvcreate_striped', { stripes: ['2'], stripesize: ['64k'], size: ['8M'] }, ['lab-vg2']],
    ['lvextend -l +50%FREE vg/lv', 'lvextend_by_size', { extents: ['+50%FREE'] }, ['vg/lv']],
    ['lvrename vg a b', 'lvrename_vg_lv_lv', {}, ['vg', 'a', 'b']],
    ['lvrename vg/a b', 'lvrename_lv_lv', {}, ['vg/a', 'b']],
    ['vgchange -ay', 'vgchange_activate', { activate: ['y'] }, []],
    ['vgchange --available n vg', 'vgchange_activate', { activate: ['n'] }, ['vg']],
    ['vgcreate --physical-extent-size 8M vg /dev/a', 'vgcreate_general', { physicalextentsize: ['8M'] }, ['vg', '/dev/a']],
    ['vgs -o a -o b --', 'vgs_general', { options: ['a', 'b'] }, []],
    ['lvs vg -- -x', 'lvs_general', {}, ['vg', '-x']],
    ['pvcreate --uuid abc --norestorefile /dev/a', 'pvcreate_general', { uuid: ['abc'], norestorefile: [''] }, ['/dev/a']],
    ['pvchange -x y /dev/a', 'pvchange_properties_some', { allocatable: ['y'] }, ['/dev/a']],
    ['vgchange --addtag @t1 --addtag t2 vg', 'vgchange_properties', { addtag: ['t1', 't2'] }, ['vg']],
    ['lvremove -S lv_name=x', 'lvremove_general', { select: ['lv_name=x'] }, []],
  ];
  for (const [line, id, opts, pos] of cases) {
    const r = run(line);
    assert.ok(!('rc' in r), `${line}: ${'rc' in r ? r.stderr : ''}`);
    assert.equal(r.defId, id, line);
    assert.deepEqual(Object.fromEntries(r.options), opts, line);
    assert.deepEqual(r.positionals, pos, line);
  }
});

function failure(line: string): ParseFailure {
  const r = run(line);
  assert.ok('rc' in r, `${line} should fail`);
  return r;
}

test('getopt error texts (glibc) followed by lvm2 parse error', () => {
  const E = '  Error during parsing of command line.\n';
  const cases: [string, string][] = [
    ['lvs --nosuchoption', "lvs: unrecognized option '--nosuchoption'\n"],
    ['lvs --no-such-option', "lvs: unrecognized option '--nosuchoption'\n"],
    ['lvcreate -L', "lvcreate: option requires an argument -- 'L'\n"],
    ['lvs -Q', "lvs: invalid option -- 'Q'\n"],
    ['lvs --units', "lvs: option '--units' requires an argument\n"],
    ['lvs --uni', "lvs: option '--units' requires an argument\n"],
    ['lvs --all=x', "lvs: option '--all' doesn't allow an argument\n"],
    ['lvs --ver', "lvs: option '--ver' is ambiguous; possibilities: '--version' '--verbose'\n"],
    ['lvs -a -?', "lvs: invalid option -- '?'\n"],
    ['vgcreate -s 4M -s 8M vg /dev/a', '  Option -s/--physicalextentsize may not be repeated.\n'],
    ['lvcreate --type thin --type thin -V 1M vg/p', '  Option --type may not be repeated.\n'],
    ['lvreduce -L +4M vg/lv', '  Size may not be positive.\n  Invalid argument for --size: +4M\n'],
    ['lvextend -L -4M vg/lv', '  Size may not be negative.\n  Invalid argument for --size: -4M\n'],
    ['vgcreate -s +4M vg /dev/a', '  Size may not be relative/signed.\n  Invalid argument for --physicalextentsize: +4M\n'],
    ['lvcreate -l -5 vg', '  Extents may not be negative.\n  Invalid argument for --extents: -5\n'],
    ['lvcreate -Z x -L 4M vg', '  Invalid argument for --zero: x\n'],
    ['lvcreate -i x -L 4M vg', '  Invalid argument for --stripes: x\n'],
    ['lvcreate -L 4M --alloc foo vg', '  Unrecognised allocation policy foo\n  Invalid argument for --alloc: foo\n'],
    ['lvcreate -L 4M -n x -L 5M vg', '  Option -L/--size may not be repeated.\n'],
  ];
  for (const [line, err] of cases) {
    const r = failure(line);
    assert.equal(r.stderr, err + E, line);
    assert.equal(r.stdout, '', line);
    assert.equal(r.rc, 3, line);
  }
});

test('matching errors', () => {
  assert.equal(failure('vgrename a b c').stderr, '  Command does not accept argument: c.\n');
  assert.equal(failure('lvs --segments --maps').stderr, "lvs: unrecognized option '--maps'\n  Error during parsing of command line.\n");
  assert.equal(failure('lvcreate -L 4M -m 1 -i 2 --maps vg').rc, 3);
  assert.equal(failure('pvs --history').stderr, "pvs: unrecognized option '--history'\n  Error during parsing of command line.\n");
  assert.equal(
    failure('pvcreate --norestorefile --restorefile x /dev/a').stderr,
    '  Command does not accept option combination: --norestorefile  with --restorefile \n',
  );
  assert.equal(failure('lvcreate -L 4M -H --maps vg').stderr, "lvcreate: unrecognized option '--maps'\n  Error during parsing of command line.\n");
  assert.equal(failure('lvremove -T vg/lv').stderr, "lvremove: invalid option -- 'T'\n  Error during parsing of command line.\n");
  assert.equal(failure('lvrename -s vg a b').stderr, "lvrename: invalid option -- 's'\n  Error during parsing of command line.\n");
  assert.equal(failure('vgs -s').stderr, "vgs: invalid option -- 's'\n  Error during parsing of command line.\n");
  assert.equal(failure('lvcreate -L 4M -c 8k vg').stderr, '  Command does not accept option: --chunksize 8k.\n');
  const syn = failure('vgchange --resizable y -x n vg');
  assert.equal(syn.stderr, "  --resizable and --resizeable are synonyms.  Please only supply one.\n  Run `vgchange --help' for more information.\n");
});

test('help variants', () => {
  const h = step('h08-help', 'lvs --help').stdout;
  for (const line of ['lvs -h', 'lvs -?', 'lvm help lvs', 'lvs -h -a']) {
    const r = run(line);
    assert.ok('rc' in r, line);
    assert.equal(r.stdout, h, line);
    assert.equal(r.rc, 0, line);
  }
  const bad = run('lvm help nosuch');
  assert.ok('rc' in bad);
  assert.equal(bad.stdout, '  nosuch: no such command.\n');
  assert.equal(bad.stderr, "  Run `help --help' for more information.\n");
  assert.equal(bad.rc, 3);
});

// Size/extent/number/units argument interpretation (lvm2 _size_arg, _extents_arg, dm_units_to_factor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExtentsArg, parseNumberArg, parseSizeArg, parseTypedSize, parseUnitsArg, parseRegionSize } from '../../src/ops/sizes.ts';

test('sizes in sectors, default unit and suffixes (13-sizes, h06 values)', () => {
  const cases: [string, 'k' | 'm' | 's', string, number][] = [
    ['1', 'm', '', 2048],
    ['1.5m', 'm', '', 3072],
    ['4096k', 'm', '', 8192],
    ['6M', 'm', '', 12288],
    ['20M', 'm', '', 40960],
    ['+20M', 'm', '+', 40960],
    ['-1M', 'm', '-', 2048],
    ['2001M', 'm', '', 2001 * 2048],
    ['64k', 'k', '', 128],
    ['64', 'k', '', 128],
    ['1.5', 'k', '', 3],
    ['0.3k', 'm', '', 0],
    ['8s', 'm', '', 8],
    ['1024b', 'm', '', 2],
    ['1g', 'm', '', 2097152],
    ['1T', 'm', '', 2 ** 31],
    ['20MiB', 'm', '', 40960],
    ['.5m', 'm', '', 1024],
    ['1e', 'm', '', 2 * 1024 ** 5],
  ];
  for (const [s, unit, sign, sectors] of cases) {
    assert.deepEqual(parseSizeArg(s, unit), { ok: true, sign, sectors }, s);
  }
});

test('size errors carry lvm2 messages', () => {
  const cases: [string, string][] = [
    ['20X', "Can't parse size argument."],
    ['abc', 'Size requires number argument.'],
    ['+-5', 'Multiple sign symbols detected.'],
    ['.', "Can't parse size argument at '.'."],
    ['1000b', 'Size is not a multiple of 512. Try using 512 or 1024.'],
    ['16e', 'Size is too big (>=16EiB).'],
  ];
  for (const [s, message] of cases) assert.deepEqual(parseSizeArg(s, 'm'), { ok: false, message }, s);
  assert.deepEqual(parseTypedSize('-20M', 'psizemb'), { ok: false, message: 'Size may not be negative.' });
  assert.deepEqual(parseTypedSize('+20M', 'nsizemb'), { ok: false, message: 'Size may not be positive.' });
  assert.deepEqual(parseTypedSize('+4M', 'sizemb'), { ok: false, message: 'Size may not be relative/signed.' });
  assert.deepEqual(parseTypedSize('-4', 'sizekb'), { ok: false, message: 'Size may not be negative.' });
  assert.deepEqual(parseTypedSize('-4', 'ssizekb'), { ok: true, sign: '-', sectors: 8 });
  assert.deepEqual(parseRegionSize('3k'), { ok: false, message: 'Region size must be a multiple of machine memory page size (4096 bytes).' });
  assert.deepEqual(parseRegionSize('12k'), { ok: false, message: 'Region size must be a power of 2.' });
  assert.deepEqual(parseRegionSize('512k'), { ok: true, sign: '', sectors: 1024 });
});

test('extents with percentages, abbreviations, any case', () => {
  assert.deepEqual(parseExtentsArg('5'), { ok: true, sign: '', value: 5 });
  assert.deepEqual(parseExtentsArg('+5'), { ok: true, sign: '+', value: 5 });
  assert.deepEqual(parseExtentsArg('50%VG'), { ok: true, sign: '', value: 50, percent: 'VG' });
  assert.deepEqual(parseExtentsArg('100%free'), { ok: true, sign: '', value: 100, percent: 'FREE' });
  assert.deepEqual(parseExtentsArg('+50%FR'), { ok: true, sign: '+', value: 50, percent: 'FREE' });
  assert.deepEqual(parseExtentsArg('100%PVS'), { ok: true, sign: '', value: 100, percent: 'PVS' });
  assert.deepEqual(parseExtentsArg('100%o'), { ok: true, sign: '', value: 100, percent: 'ORIGIN' });
  assert.deepEqual(parseExtentsArg('-10%l'), { ok: true, sign: '-', value: 10, percent: 'LV' });
  assert.deepEqual(parseExtentsArg('50%XX'), { ok: false, message: 'Specified %XX is unknown.' });
  assert.deepEqual(parseExtentsArg('5x'), { ok: false });
  assert.deepEqual(parseExtentsArg('-5', 'pextents'), { ok: false, message: 'Extents may not be negative.' });
  assert.deepEqual(parseExtentsArg('+5', 'nextents'), { ok: false, message: 'Extents may not be positive.' });
  assert.deepEqual(parseExtentsArg('+5', 'extents'), { ok: false, message: 'Extents may not be relative/signed.' });
});

test('numbers', () => {
  assert.deepEqual(parseNumberArg('2'), { ok: true, sign: '', value: 2 });
  assert.deepEqual(parseNumberArg('-2'), { ok: false });
  assert.deepEqual(parseNumberArg('2x'), { ok: false });
  assert.deepEqual(parseNumberArg('-2', 'snumber'), { ok: true, sign: '-', value: 2 });
  assert.deepEqual(parseNumberArg('-2', 'pnumber'), { ok: false, message: 'Number may not be negative.' });
  assert.deepEqual(parseNumberArg('4294967296', 'uint32'), { ok: false });
});

test('--units values', () => {
  assert.deepEqual(parseUnitsArg('m'), { type: 'm', factor: 1048576 });
  assert.deepEqual(parseUnitsArg('M'), { type: 'M', factor: 1000000 });
  assert.deepEqual(parseUnitsArg('h'), { type: 'h', factor: 1 });
  assert.deepEqual(parseUnitsArg('4m'), { type: 'U', factor: 4194304 });
  assert.deepEqual(parseUnitsArg('s'), { type: 's', factor: 512 });
  for (const bad of ['X', 'mm', '', '0m', '4']) assert.equal(parseUnitsArg(bad), undefined, bad);
});

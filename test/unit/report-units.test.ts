import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displaySize, parseUnits, reportSize } from '../../src/report/units.ts';

const MIB = 2048;
const GIB = 1024 * MIB;
const TIB = 1024 * GIB;

test('human report sizes with < marker (h06)', () => {
  assert.equal(reportSize(25599 * 2), '<25.00m');
  assert.equal(reportSize(TIB - 4 * MIB), '<1024.00g');
  assert.equal(reportSize(15 * TIB - 4 * MIB), '<15.00t');
  assert.equal(reportSize(3000 * MIB), '<2.93g');
  assert.equal(reportSize(24 * MIB), '24.00m');
  assert.equal(reportSize(0), '0 ');
  assert.equal(reportSize(0, undefined, true), '0');
  assert.equal(reportSize(24 * MIB, undefined, true), '24.00m');
});

test('explicit units', () => {
  const u = (s: string) => parseUnits(s)!;
  assert.equal(reportSize(24 * MIB, u('b')), '25165824B');
  assert.equal(reportSize(24 * MIB, u('s')), '49152S');
  assert.equal(reportSize(24 * MIB, u('K')), '25165.82K');
  assert.equal(reportSize(24 * MIB, u('g')), '0.02g');
  assert.equal(reportSize(24 * MIB, u('4m')), '6.00U');
  assert.equal(reportSize(0, u('m')), '0m');
  assert.equal(reportSize(0, u('k'), true), '0');
  assert.equal(reportSize(24 * MIB, u('H')), '25.17M');
  assert.equal(reportSize(40960 * 1024 * 1024 * 2 / 2, u('R')), reportSize(40960 * 1024 * 1024, u('R')));
  assert.equal(parseUnits('X'), undefined);
  assert.equal(parseUnits('4'), undefined);
  assert.equal(parseUnits('mm'), undefined);
});

test('display style (h06)', () => {
  const u = (s: string) => parseUnits(s)!;
  assert.equal(displaySize(25599 * 2), '<25.00 MiB');
  assert.equal(displaySize(0), '0   ');
  assert.equal(displaySize(40960, u('b')), '20971520 B ');
  assert.equal(displaySize(0, u('b')), '0 B ');
  assert.equal(displaySize(51198, u('s')), '51198 Se');
  assert.equal(displaySize(51198, u('K')), '26213.38 kB');
  assert.equal(displaySize(8192, u('G')), '0.00 GB');
  assert.equal(displaySize(0, u('m')), '0 MiB');
  assert.equal(displaySize(442 * 4 * MIB), '<1.73 GiB');
});

test('printf tie rounding is to even', () => {
  assert.equal(reportSize(256, parseUnits('m')!), '0.12m');
});

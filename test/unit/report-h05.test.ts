import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/report.ts';
import type { ReportKind, ReportOptions } from '../../src/report/report.ts';
import { golden, h05 } from './report-fixtures.ts';

function check(file: string, command: string, kind: ReportKind, opts: ReportOptions, nth = 0): void {
  const g = golden(file, command, nth);
  const l = h05();
  const out = renderReport(kind, opts, { pvs: l.pvos, vgs: l.vgos, lvs: l.lvos });
  assert.equal(out.stdout, g.stdout, command);
  assert.equal(out.rc, g.exit_code);
}

const F = 'h05-vgextend-lvextend';
test('vgs', () => check(F, 'vgs', 'vgs', {}, 1));
test('pvs', () => check(F, 'pvs', 'pvs', {}));
test('lvs', () => check(F, 'lvs --driverloaded n', 'lvs', {}));
test('lvs devices', () => check(F, 'lvs --driverloaded n -o +devices,seg_pe_ranges', 'lvs', { options: ['+devices,seg_pe_ranges'] }));
test('pvs units k nosuffix', () =>
  check(F, 'pvs --units k --nosuffix --noheadings', 'pvs', { units: 'k', nosuffix: true, noheadings: true }));
test('pvs units k', () => check(F, 'pvs --units k', 'pvs', { units: 'k' }));
test('vgs separator', () =>
  check(F, 'vgs --units m --nosuffix --noheadings --separator :', 'vgs', { units: 'm', nosuffix: true, noheadings: true, separator: ':' }));
test('lvs json', () => check(F, 'lvs --driverloaded n --reportformat json', 'lvs', { reportformat: 'json' }));
test('vgs json', () => check(F, 'vgs --reportformat json', 'vgs', { reportformat: 'json' }));
test('pvs json', () => check(F, 'pvs --reportformat json', 'pvs', { reportformat: 'json' }));
test('lvs -a bytes', () => check(F, 'lvs --driverloaded n -a --units b', 'lvs', { all: true, units: 'b' }));

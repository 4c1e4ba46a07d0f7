import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/report.ts';
import type { ReportKind, ReportOptions } from '../../src/report/report.ts';
import { LOOPS, golden, lab, linearLv, pv, vg } from './report-fixtures.ts';
import type { Lab } from './report-fixtures.ts';

/** h07 after the two lvcreates: lab-vg1 = loop0+loop1 with data (2 ext) and lvol0 (3 ext); loop2 orphan. */
function h07(): Lab {
  const p0 = pv('un6gPccSSlg44A7J0TjO1GmdicFtN4Rc', '/dev/loop0', 6);
  const p1 = pv('2Ffk6ICowNSSMNtcSkPvzpgAfxfsWO4t', '/dev/loop1', 6);
  const data = linearLv('data', 'D'.repeat(32), [[p0.id, 0, 2]]);
  const lvol0 = linearLv('lvol0', 'E'.repeat(32), [[p0.id, 2, 3]]);
  const vg1 = vg('lab-vg1', 'V'.repeat(32), [p0, p1], [data, lvol0], 3);
  return lab(LOOPS.slice(0, 3), [vg1], { state: 'unknown' }, { '/dev/loop2': '1IIjJQydqRiuSDUBohjQxXgDf6rQRyau' });
}

const F = 'h07-report-edge-cases';
function check(command: string, kind: ReportKind, opts: ReportOptions, l: Lab = h07(), stream: 'stdout' | 'stderr' = 'stdout'): void {
  const g = golden(F, command);
  const out = renderReport(kind, opts, { pvs: l.pvos, vgs: l.vgos, lvs: l.lvos });
  assert.equal(out[stream], g[stream], command);
  assert.equal(out.rc, g.exit_code);
}
const empty: Lab = { pvos: [], vgos: [], lvos: [] };

test('empty basic', () => check('pvs', 'pvs', {}, empty));
test('empty json', () => check('lvs --reportformat json', 'lvs', { reportformat: 'json' }, empty));
test('json bytes', () =>
  check('lvs --driverloaded n --reportformat json -o lv_name,lv_size,seg_count,lv_attr --units b --nosuffix', 'lvs', {
    reportformat: 'json', options: ['lv_name,lv_size,seg_count,lv_attr'], units: 'b', nosuffix: true,
  }));
test('json binary', () =>
  check('lvs --driverloaded n --reportformat json --binary -o lv_name,lv_active_locally,lv_fixed_minor', 'lvs', {
    reportformat: 'json', binary: true, options: ['lv_name,lv_active_locally,lv_fixed_minor'],
  }));
test('json segments', () => check('lvs --driverloaded n --reportformat json --segments', 'lvs', { reportformat: 'json', segments: true }));
test('json devices', () =>
  check('lvs --driverloaded n --reportformat json -o lv_name,devices,seg_pe_ranges', 'lvs', {
    reportformat: 'json', options: ['lv_name,devices,seg_pe_ranges'],
  }));
test('pvs json k', () =>
  check('pvs --reportformat json -o pv_name,pv_size,pv_free --units k', 'pvs', { reportformat: 'json', options: ['pv_name,pv_size,pv_free'], units: 'k' }));
test('select none', () => check("lvs --driverloaded n -S 'lv_name=nosuch'", 'lvs', { select: 'lv_name=nosuch' }));
test('select none json', () =>
  check("lvs --driverloaded n -S 'lv_name=nosuch' --reportformat json", 'lvs', { select: 'lv_name=nosuch', reportformat: 'json' }));
test('-O lv_size', () => check('lvs --driverloaded n -o lv_name,vg_name -O lv_size', 'lvs', { options: ['lv_name,vg_name'], sort: ['lv_size'] }));
test('-O -lv_size', () => check('lvs --driverloaded n -o lv_name -O -lv_size', 'lvs', { options: ['lv_name'], sort: ['-lv_size'] }));
test('-o-', () =>
  check('lvs --driverloaded n -o-lv_attr,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv', 'lvs', {
    options: ['-lv_attr,pool_lv,origin,data_percent,metadata_percent,move_pv,mirror_log,copy_percent,convert_lv'],
  }));
test('-o#', () => check('lvs --driverloaded n -o#pool_lv,origin', 'lvs', { options: ['#pool_lv,origin'] }));
test('selected', () =>
  check("lvs --driverloaded n -o lv_name,selected -S 'lv_size>10m'", 'lvs', { options: ['lv_name,selected'], select: 'lv_size>10m' }));
test('separator', () =>
  check("lvs --driverloaded n --noheadings -o lv_name,lv_size --separator ' | '", 'lvs', { noheadings: true, options: ['lv_name,lv_size'], separator: ' | ' }));
test('nosuffix human', () => check('lvs --driverloaded n --nosuffix', 'lvs', { nosuffix: true }));
test('unbuffered', () => check('lvs --driverloaded n --unbuffered', 'lvs', { unbuffered: true }));
test('vgs m nosuffix', () =>
  check('vgs --noheadings -o vg_name,vg_free --nosuffix --units m', 'vgs', { noheadings: true, options: ['vg_name,vg_free'], nosuffix: true, units: 'm' }));
test('aligned separator', () => check('pvs --separator , --aligned', 'pvs', { separator: ',', aligned: true }));
test('pv uuid mda', () =>
  check('pvs -o pv_name,pv_uuid,pv_mda_count,pv_mda_used_count,pv_tags', 'pvs', { options: ['pv_name,pv_uuid,pv_mda_count,pv_mda_used_count,pv_tags'] }));
test('vg misc', () =>
  check('vgs -o vg_name,vg_seqno,vg_mda_count,vg_mda_copies,max_lv,max_pv,vg_allocation_policy,vg_permissions,vg_extendable', 'vgs', {
    options: ['vg_name,vg_seqno,vg_mda_count,vg_mda_copies,max_lv,max_pv,vg_allocation_policy,vg_permissions,vg_extendable'],
  }));
test('-o help', () => check('pvs -o help', 'pvs', { options: ['help'] }, h07(), 'stderr'));
test('unknown field', () => check('lvs -o nosuchfield', 'lvs', { options: ['nosuchfield'] }, h07(), 'stderr'));
test('unknown sort key', () => check('lvs -O nosuchfield', 'lvs', { sort: ['nosuchfield'] }, h07(), 'stderr'));
test('-S help', () => {
  const g = golden(F, 'lvs -S help');
  const out = renderReport('lvs', { select: 'help' }, { lvs: [] });
  // The golden ends with the host's device-mapper noise, which is not part of the report.
  assert.equal(out.stderr, g.stderr.slice(0, g.stderr.indexOf('  /dev/mapper/control')));
});

// The default values lvmconfig shows (--type default, missing, full, and what --type diff leaves
// out), for the settings ulvm reads and the common ones around them: lvm2 2.03.16's values as its
// `lvmconfig --type default` prints them, in its order of sections and of settings. lvm2 knows
// some 300 settings; the others are not here (see the README).
import type { ConfigNode, ConfigScalar, ConfigValue } from '../formats/config-text.ts';
import { ARRAY_FORMAT, SPACED_FORMAT } from '../formats/config-write.ts';

const mark = <V extends ConfigValue>(v: V): V => {
  SPACED_FORMAT.add(v);
  return v;
};
const int = (value: number): ConfigScalar => mark({ kind: 'int', value });
const str = (value: string): ConfigScalar => mark({ kind: 'string', value });
const arr = (...items: ConfigScalar[]): ConfigValue => {
  const v: ConfigValue = mark({ kind: 'array', items });
  ARRAY_FORMAT.add(v);
  return v;
};

/** Directories lvm2 derives from its system directory (backup_dir, archive_dir): ulvm's own. */
export interface DefaultDirs {
  backupDir: string;
  archiveDir: string;
}

/** Sections in lvm2's order, each with its settings in lvm2's order. */
export function configDefaults(dirs: DefaultDirs): ConfigNode[] {
  const section = (key: string, settings: [string, ConfigValue][]): ConfigNode => ({ key, children: settings.map(([k, value]) => ({ key: k, value })) });
  return [
    section('devices', [
      ['dir', str('/dev')],
      ['scan', arr(str('/dev'))],
      ['use_devicesfile', int(0)],
      ['devicesfile', str('system.devices')],
      ['filter', arr(str('a|.*|'))],
      ['global_filter', arr(str('a|.*|'))],
      ['pv_min_size', int(2048)],
      ['issue_discards', int(0)],
      ['allow_changes_with_duplicate_pvs', int(0)],
    ]),
    section('allocation', [['physical_extent_size', int(4096)]]),
    section('log', [
      ['verbose', int(0)],
      ['silent', int(0)],
      ['syslog', int(0)],
      ['overwrite', int(0)],
      ['level', int(0)],
      ['indent', int(0)],
      ['command_names', int(0)],
      ['prefix', str('  ')],
      ['activation', int(0)],
    ]),
    section('backup', [
      ['backup', int(1)],
      ['backup_dir', str(dirs.backupDir)],
      ['archive', int(1)],
      ['archive_dir', str(dirs.archiveDir)],
      ['retain_min', int(10)],
      ['retain_days', int(30)],
    ]),
    section('global', [
      ['test', int(0)],
      ['units', str('r')],
      ['si_unit_consistency', int(1)],
      ['suffix', int(1)],
      ['activation', int(1)],
      ['proc', str('/proc')],
      ['etc', str('/etc')],
      ['wait_for_locks', int(1)],
      ['locking_dir', str('/run/lock/lvm')],
      ['lvdisplay_shows_full_device_path', int(0)],
      ['fsadm_executable', str('/sbin/fsadm')],
    ]),
    section('activation', [
      ['snapshot_autoextend_threshold', int(100)],
      ['snapshot_autoextend_percent', int(20)],
      ['monitoring', int(1)],
      ['polling_interval', int(15)],
    ]),
    section('metadata', [
      ['pvmetadatacopies', int(1)],
      ['vgmetadatacopies', int(0)],
    ]),
    section('report', [
      ['aligned', int(1)],
      ['buffered', int(1)],
      ['headings', int(1)],
      ['separator', str(' ')],
      ['prefixes', int(0)],
      ['quoted', int(1)],
    ]),
  ];
}

const items = (v: ConfigValue): ConfigScalar[] => (v.kind === 'array' ? v.items : [v]);

/** libdm holds `x = "a"` and `x = [ "a" ]` alike, so lvm2 finds both equal to a default of ["a"]. */
export function sameConfigValue(a: ConfigValue, b: ConfigValue): boolean {
  const x = items(a);
  const y = items(b);
  return x.length === y.length && x.every((v, i) => v.kind === y[i]!.kind && v.value === y[i]!.value);
}

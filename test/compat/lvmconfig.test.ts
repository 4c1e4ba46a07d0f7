// lvmconfig as lvm2 prints it, over the same lvm.conf and --config: the whole configuration (in
// the order lvm2's merge of the file into its working tree leaves it), sections and settings by
// path, not-found paths, --type current/diff/default/missing/full, --withspaces (defaults only) for single settings and for
// sections whose settings differ from the defaults, --mergedconfig, and `lvm config`/`dumpconfig`.
// Compared with real lvm2 (which needs no devices here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSkipReason } from '../helpers/lab.ts';
import { lineDiff } from '../helpers/compare.ts';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { fileOpener } from '../../src/devices/file.ts';

const CONFS: Record<string, string> = {
  plain: 'devices {\n\tglobal_filter = [ "a|^/dev/loop0$|", "r|.*|" ]\n\tpv_min_size = 4096\n}\nglobal {\n\tunits = "m"\n\twait_for_locks = 0\n}\nlog {\n\tprefix = "  "\n}\n',
  // Five sections: the merge puts each new one after the first; tags sections are left out.
  many: 'global {\n units = "m"\n}\ntags {\n hosttags = 1\n}\nlog {\n indent = 0\n}\ndevices {\n pv_min_size = 4096\n scan = [ "/dev" ]\n types = [ "fd", 16 ]\n preferred_names = [ "^/dev/mpath/", "^/dev/mapper/mpath" ]\n}\nbackup {\n retain_min = 3\n backup_dir = "/x"\n}\nactivation {\n  volume_list = [ "vg", "@t" ]\n snapshot_autoextend_percent = 20\n}\nreport {\n  separator = "%Y \\"q\\" \\\\ x"\n}\n',
  // A section given twice gathers its keys.
  twice: 'devices {\n pv_min_size = 4096\n}\nglobal {\n suffix = 0\n}\ndevices {\n issue_discards = 1\n}\n',
};

const RUNS: string[][] = [
  [],
  ['devices'],
  ['devices/pv_min_size'],
  ['global/units', 'devices/pv_min_size'],
  ['/devices'],
  ['devices/'],
  ['devices/nosuch'],
  ['nosuch', 'global/units'],
  ['tags'],
  ['--type', 'current'],
  ['--typeconfig', 'current'],
  ['--type', 'diff'],
  ['--type', 'diff', 'devices'],
  ['--type', 'default', 'devices/filter'],
  ['--type', 'default', 'global/units', 'backup/retain_min', 'backup/backup_dir'],
  ['--type', 'missing', 'devices/filter'],
  ['--type', 'missing', 'devices/pv_min_size'],
  ['--type', 'full', 'devices/filter'],
  ['--type', 'full', 'devices/pv_min_size', 'global/units'],
  ['--config', 'global/units=k', 'global/units'],
  ['--config', 'global/units=k', 'devices/pv_min_size'],
  ['--config', 'report/headings=0 global/units=k backup/retain_min=2'],
  ['--config', 'report/headings=0 backup/retain_min=2', '--mergedconfig'],
  ['--config', 'report/headings=0', '--type', 'diff'],
  ['--config', 'report/headings=0', '--type', 'full', 'report/headings', 'log/prefix'],
  ['--type', 'diff', '--mergedconfig'],
  ['--validate'],
  ['--withspaces'],
  ['--withspaces', '--type', 'default', 'devices/filter', 'global/units'],
  ['--withspaces', '--type', 'full', 'devices/pv_min_size', 'devices/scan', 'report/headings'],
  ['--valuesonly', 'devices'],
];

test('lvmconfig: the configuration, by path and by type, as lvm2', { skip: labSkipReason() }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-lvmconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sys = join(dir, 'etc');
  mkdirSync(sys);
  let want = '';
  let got = '';
  for (const [name, conf] of Object.entries(CONFS)) {
    writeFileSync(join(sys, 'lvm.conf'), conf);
    const runs = [...RUNS.map((a) => ['lvmconfig', ...a]), ['config', 'global'], ['dumpconfig', 'devices/pv_min_size']];
    for (const [cmd, ...args] of runs) {
      const head = `# ${name}: ${cmd} ${args.join(' ')}\n`;
      const r = spawnSync('lvm', [cmd!, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin', LVM_SYSTEM_DIR: sys, LVM_SUPPRESS_FD_WARNINGS: '1', LANG: 'C' } });
      want += `${head}[rc ${r.status}]\n${r.stdout}--- stderr\n${r.stderr}`;
      const io = new BufferIo('');
      const rc = await runCommand(cmd!, args, { io, env: { ULVM_SYSTEM_DIR: sys, ULVM_RUN_DIR: join(dir, 'run') }, uid: 0, cwd: dir, opener: fileOpener });
      got += `${head}[rc ${rc}]\n${io.stdout}--- stderr\n${io.stderr}`;
    }
  }
  assert.equal(got, want, lineDiff(want, got));
  assert.match(want, /global_filter=\["a\|\^\/dev\/loop0\$\|","r\|\.\*\|"\]/);
});

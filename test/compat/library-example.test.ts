// The README's library example, run as a user runs it: from a scratch package that depends on
// ulvm by path (node_modules/ulvm a link to this checkout, as npm makes for a file: dependency),
// importing the built package's ES module; its output must be what the README shows. Then a
// TypeScript user's code is checked against the emitted declarations, the CommonJS entry is
// loaded, and real lvm2 (where it can run) reads the VG the example wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { labSkipReason } from '../helpers/lab.ts';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

/** The fenced block after an HTML comment starting with `marker` in the README. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(`<!-- ${marker}`);
  assert.ok(at >= 0, `README has no ${marker} block`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(m, `README's ${marker} block has no code fence`);
  return m[1]!;
}

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return r;
}

test('the README library example runs from a scratch package and prints what the README shows', async (t) => {
  if (!existsSync(join(ROOT, 'dist', 'index.mjs')) || !existsSync(join(ROOT, 'dist', 'types', 'index.d.ts'))) {
    const b = sh(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], ROOT);
    assert.equal(b.status, 0, `build: ${b.stderr}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-library-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'ulvm'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: { ulvm: `file:${ROOT}` } }));
  const code = readmeBlock('library-example:');
  assert.ok(code.trim().split('\n').length < 30, 'the example stays under 30 lines');
  writeFileSync(join(dir, 'example.mjs'), code);
  const r = sh(process.execPath, ['example.mjs'], dir);
  assert.equal(r.status, 0, `example failed:\n${r.stderr}`);
  assert.equal(r.stdout, readmeBlock('library-example-output'));
  assert.doesNotMatch(r.stderr, /Internal error|\n\s+at /);

  // A TypeScript user: the declarations type the API (a wrong option is an error).
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] }, files: ['use.ts'] }));
  writeFileSync(join(dir, 'use.ts'), "import { Session, UlvmError, type LvView } from 'ulvm';\nconst s = new Session({ devices: ['disk1.img'] });\nexport const lv: Promise<LvView> = s.createLv({ vg: 'vg0', size: '4m' });\nexport const isError = (e: unknown) => e instanceof UlvmError && e.code === 'ENOSPC_VG';\n");
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const ok = sh(process.execPath, [tsc, '-p', '.'], dir);
  assert.equal(ok.status, 0, `tsc on a user's code:\n${ok.stdout}${ok.stderr}`);
  writeFileSync(join(dir, 'use.ts'), "import { Session } from 'ulvm';\nexport const lv = new Session().createLv({ vg: 'vg0', sise: '4m' });\n");
  const bad = sh(process.execPath, [tsc, '-p', '.'], dir);
  assert.notEqual(bad.status, 0, 'a misspelt option must not type-check');

  // CommonJS users get the same API.
  const cjs = sh(process.execPath, ['-e', "const u = require('ulvm'); console.log(typeof u.Session, typeof u.UlvmError, typeof u.runCommand)"], dir);
  assert.equal(cjs.stdout, 'function function function\n', cjs.stderr);

  // What the example wrote is an lvm2 VG: real lvm2 reads it from loop devices.
  if (labSkipReason()) return;
  const loops: string[] = [];
  t.after(() => {
    for (const l of loops) spawnSync('losetup', ['-d', l]);
  });
  for (const f of ['disk1.img', 'disk2.img']) loops.push(sh('losetup', ['-f', '--show', join(dir, f)], dir).stdout.trim());
  writeFileSync(join(dir, 'lvm.conf'), `devices {\n\tglobal_filter = [ ${loops.map((l) => `"a|^${l}$|"`).join(', ')}, "r|.*|" ]\n}\n`);
  const env = { ...process.env, LVM_SYSTEM_DIR: dir, LVM_SUPPRESS_FD_WARNINGS: '1' };
  const lvs = spawnSync('lvm', ['lvs', '--noheadings', '-o', 'lv_name,origin,lv_size,seg_count,stripes', '--units', 'm', 'vg0'], { encoding: 'utf8', env });
  assert.equal(lvs.status, 0, lvs.stderr);
  assert.match(lvs.stdout, /data +32\.00m +1 +2/);
  assert.match(lvs.stdout, /snap +data +8\.00m +1 +1/);
  const vgck = spawnSync('lvm', ['vgck', 'vg0'], { encoding: 'utf8', env });
  assert.equal(vgck.status, 0, vgck.stderr);
});

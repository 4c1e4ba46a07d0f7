// Build: one CommonJS bundle (the CommonJS loader starts several times faster than the ESM loader
// for a file this size) plus a V8 code cache made by running a few commands, so a command starts
// without compiling ulvm first. bin/ulvm uses the cache when this Node accepts it.
//   node scripts/build.mjs                     → dist/ in this repository
//   node scripts/build.mjs --out DIR [--map]   → DIR/dist and DIR/bin (benchmarks, profiling)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const argv = process.argv.slice(2);
const outAt = argv.indexOf('--out');
const root = outAt >= 0 ? resolve(argv[outAt + 1]) : resolve('.');
const repo = resolve(new URL('..', import.meta.url).pathname);
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
if (root !== repo) {
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const f of ['ulvm', 'load.cjs', 'package.json']) copyFileSync(join(repo, 'bin', f), join(root, 'bin', f));
}
await build({
  absWorkingDir: repo,
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(dist, 'ulvm.cjs'),
  // Native: koffi loads its prebuilt binary from node_modules at run time (src/devices/fallocate.ts).
  external: ['koffi', 'zstd-napi'],
  sourcemap: argv.includes('--map'),
  // Names are kept (readable stack traces); full minification measured no faster.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// The library (package exports): an ES module and a CommonJS bundle of src/index.ts, and type
// declarations emitted by tsc (a library user's TypeScript checks against them).
for (const [format, file] of [['esm', 'index.mjs'], ['cjs', 'index.cjs']]) {
  await build({
    absWorkingDir: repo,
    entryPoints: ['src/index.ts'],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    outfile: join(dist, file),
    external: ['koffi', 'zstd-napi'],
    // esbuild's ESM output calls require() for Node built-ins; give it one.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as __ulvmCreateRequire } from 'node:module'; const require = __ulvmCreateRequire(import.meta.url);" } } : {}),
    logLevel: 'warning',
  });
}
const types = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(repo, 'tsconfig.lib.json'), '--outDir', join(dist, 'types')], { stdio: 'inherit' });
if (types.status !== 0) {
  console.error('ulvm build: type declarations failed');
  process.exit(1);
}
const r = spawnSync(process.execPath, [join(repo, 'scripts', 'code-cache.cjs'), join(root, 'bin', 'load.cjs')], { stdio: 'inherit' });
if (r.status !== 0) console.warn('ulvm build: no code cache made; commands will compile at start-up');

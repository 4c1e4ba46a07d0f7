// Build: one CommonJS bundle (the CommonJS loader starts several times faster than the ESM loader
// for a file this size) plus a V8 code cache made by running a few commands, so a command starts
// without compiling ulvm first. bin/ulvm uses the cache when this Node accepts it.
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/ulvm.cjs',
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['scripts/code-cache.cjs'], { stdio: 'inherit' });
if (r.status !== 0) console.warn('ulvm build: no code cache made; commands will compile at start-up');

// One bundled entry keeps start-up lean: node parses a single file, no module resolution walk.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  entryNames: 'ulvm',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  // Commands are dynamic imports: each becomes its own chunk, loaded only when run.
  splitting: true,
  sourcemap: false,
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __ulvmRequire } from 'node:module'; const require = __ulvmRequire(import.meta.url);" },
});

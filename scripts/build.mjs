// One bundled entry keeps start-up lean: node parses a single file, no module resolution walk.
import { build } from 'esbuild';
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/ulvm.mjs',
  sourcemap: false,
  minify: false,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __ulvmRequire } from 'node:module'; const require = __ulvmRequire(import.meta.url);" },
});

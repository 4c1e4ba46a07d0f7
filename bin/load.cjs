// Loads dist/ulvm.cjs through vm.Script so that V8's code cache (dist/ulvm.cache) can be used.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'ulvm.cjs');
const CACHE = join(__dirname, '..', 'dist', 'ulvm.cache');

function loadBundle(useCache = true) {
  const source = readFileSync(BUNDLE, 'utf8');
  let cachedData;
  if (useCache) {
    try {
      cachedData = readFileSync(CACHE);
    } catch {
      cachedData = undefined;
    }
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, BUNDLE, join(__dirname, '..', 'dist'));
  return { exports: module.exports, script };
}

module.exports = { loadBundle, BUNDLE, CACHE };

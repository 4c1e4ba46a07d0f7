// Warms the bundle on in-memory disks (pvcreate … lvs, lvremove) and saves V8's code cache.
const { loadBundle, CACHE } = require(process.argv[2] || '../bin/load.cjs');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

(async () => {
  const { exports: ulvm, script } = loadBundle(false);
  const dir = mkdtempSync(join(tmpdir(), 'ulvm-cache-'));
  try {
    const disks = new ulvm.MemoryDisks();
    const devs = ['/dev/w0', '/dev/w1'];
    for (const d of devs) disks.add(d, 64 * 1024 * 1024);
    const env = { ULVM_SYSTEM_DIR: join(dir, 'sys'), ULVM_RUN_DIR: join(dir, 'run') };
    const run = (c, ...a) => ulvm.runCommand(c, [...a, '--devices', devs.join(',')], { io: new ulvm.BufferIo(), env, uid: 0, cwd: dir, opener: disks });
    await run('pvcreate', ...devs);
    await run('vgcreate', 'vgw', ...devs);
    await run('lvcreate', '-L', '8M', '-n', 'a', 'vgw');
    await run('lvcreate', '-i', '2', '-l', '2', 'vgw');
    await run('lvextend', '-L', '+4M', 'vgw/a');
    for (const c of ['pvs', 'vgs', 'lvs', 'pvdisplay', 'vgdisplay', 'lvdisplay']) await run(c);
    await run('lvs', '--reportformat', 'json', '-o', '+devices');
    await run('lvremove', '-y', 'vgw/a');
    writeFileSync(CACHE, script.createCachedData());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})();

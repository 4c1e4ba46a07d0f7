// lvm2's block_signals: SIGINT/SIGTERM arriving while a snapshot holds its origin frozen wait
// until the thaw, then end the process as they would have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const MODULE = new URL('../../src/ops/block-signals.ts', import.meta.url).href;

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`${sig} while signals are blocked waits for unblock, then ends the process`, () => {
    const script = `
      import { blockSignals } from ${JSON.stringify(MODULE)};
      const unblock = blockSignals();
      process.kill(process.pid, ${JSON.stringify(sig)});
      setTimeout(() => {
        process.stdout.write('still here\\n');
        unblock();
        setTimeout(() => process.stdout.write('not reached\\n'), 2000);
      }, 200);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.stdout, 'still here\n');
    assert.equal(r.signal, sig);
  });
}

test('without a signal, unblock leaves the process running', () => {
  const script = `
    import { blockSignals } from ${JSON.stringify(MODULE)};
    blockSignals()();
    process.stdout.write('done\\n');
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.stdout, 'done\n');
  assert.equal(r.status, 0);
});

// The bio prison's two ways in: cells (one holder at a time, in arrival order) and sharing (any
// number of sharers, only while no cell is held or waited for; a holder waits for the sharers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BioPrison } from '../../src/mapper/bio-prison.ts';

test('a cell waits for the sharers of its key; no one shares while a cell is held or waited for', async () => {
  const p = new BioPrison();
  const order: string[] = [];
  assert.ok(p.share('k'));
  assert.ok(p.share('k'));
  const held = p.detain('k', async () => void order.push('holder'));
  // The holder is waiting: nobody new may share now.
  assert.equal(p.share('k'), false);
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, [], 'the holder waits for both sharers');
  p.unshare('k');
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, []);
  p.unshare('k');
  await held;
  assert.deepEqual(order, ['holder']);
  // Other keys are not affected, and nothing is left behind.
  assert.ok(p.share('other'));
  p.unshare('other');
  assert.equal(p.size, 0);
  assert.ok(p.share('k'));
  p.unshare('k');
});

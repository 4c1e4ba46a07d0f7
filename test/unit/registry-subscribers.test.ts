// The registry's subscribers: NBD exports and an activation observer (the FUSE tree's) follow
// the events of visible LV devices only, from their first live table to their removal, through
// renames and resizes; their opens count in the device's open count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTarget as Ram } from '../helpers/memory-target.ts';
import { DmRegistry, type DmOwner } from '../../src/mapper/registry.ts';
import { type DmTable, oneLine } from '../../src/mapper/dm-table.ts';
import { NbdServer } from '../../src/nbd/server.ts';
import { RegistryExports } from '../../src/nbd/registry-exports.ts';
import { type ActivationObserver, observeRegistry } from '../../src/activation/observer.ts';

const MiB = 1024 * 1024;
const owner = (lvName: string, layer?: 'real' | 'cow'): DmOwner => ({ vgId: 'V', vgName: 'vg', lvId: 'L', lvName, ...(layer ? { layer } : {}) });
const table = (bytes: number, readOnly = false): DmTable => oneLine(new Ram(bytes), { type: 'linear', table: () => '/dev/x 0', status: () => '', devices: () => ['/dev/x'] }, readOnly);

test('NBD exports come with the first live table, follow renames and the read-only flag, and go with the device', () => {
  const r = new DmRegistry(250);
  const nbd = new NbdServer();
  const exports = new RegistryExports(r, nbd);
  const real = r.create('vg-lv-real', 'LVM-VL-real', owner('lv', 'real'));
  const d = r.create('vg-lv', 'LVM-VL', owner('lv'));
  assert.deepEqual(nbd.list(), [], 'no export before the device has a table');
  r.load(real, table(MiB));
  r.resume(real);
  r.load(d, table(MiB));
  r.resume(d);
  assert.deepEqual(nbd.list().map((e) => [e.name, e.readOnly]), [['vg/lv', false]], 'hidden layers are not exported');
  assert.equal(nbd.get('vg/lv')!.target, d.io);
  assert.equal(exports.nameOf('V', 'L'), 'vg/lv');
  r.load(d, table(MiB, true));
  r.resume(d);
  assert.equal(nbd.get('vg/lv')!.readOnly, true);
  r.rename(d, 'vg-data', owner('data'));
  assert.deepEqual(nbd.list().map((e) => e.name), ['vg/data']);
  nbd.get('vg/data')!.users = 1;
  assert.equal(d.openCount, 1, 'an NBD client in transmission holds the device open');
  nbd.get('vg/data')!.users = 0;
  r.remove(d);
  assert.deepEqual(nbd.list(), []);
  assert.equal(exports.nameOf('V', 'L'), undefined);
});

test('an activation observer sees shown, resized and hidden for visible devices, and its opens count', () => {
  const r = new DmRegistry(250);
  const calls: string[] = [];
  let opens = 0;
  const o: ActivationObserver = {
    shown: (key, vg, lv, target, ro) => calls.push(`shown ${key} ${vg}/${lv} ${target.size} ${ro}`),
    hidden: (key) => calls.push(`hidden ${key}`),
    resized: (key) => calls.push(`resized ${key}`),
    opens: () => opens,
  };
  observeRegistry(r, o);
  const cow = r.create('vg-lv-cow', 'LVM-VL-cow', owner('lv', 'cow'));
  const d = r.create('vg-lv', 'LVM-VL', owner('lv'));
  opens = 3;
  assert.equal(d.openCount, 0, 'not shown yet: nobody can have opened it');
  r.load(cow, table(MiB));
  r.resume(cow);
  r.load(d, table(MiB));
  r.resume(d);
  assert.equal(d.openCount, 3);
  assert.equal(cow.openCount, 0, "a hidden layer is not the observer's");
  opens = 0;
  r.load(d, table(2 * MiB));
  r.resume(d);
  r.rename(d, 'vg-lv2', owner('lv2'));
  r.remove(d);
  r.remove(cow);
  assert.deepEqual(calls, [
    `shown V/L vg/lv ${MiB} false`,
    `shown V/L vg/lv ${2 * MiB} false`,
    'resized V/L',
    `shown V/L vg/lv2 ${2 * MiB} false`,
    'hidden V/L',
  ]);
});

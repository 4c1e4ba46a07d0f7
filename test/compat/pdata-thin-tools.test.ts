// Images written by src/pdata against thin-provisioning-tools: thin_check accepts every image we
// write, thin_dump sees what we say is inside, thin_restore's images read back identically, and
// thin_delta agrees with our view of what changed between a thin and its snapshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDevice } from '../../src/devices/file.ts';
import { ThinMetadata } from '../../src/pdata/thin-metadata.ts';
import { checkThinMetadata } from '../../src/pdata/thin-check.ts';
import { thinDelta } from '../../src/pdata/thin-delta.ts';
import { parseThinXml, readPool, writeThinXml } from './pdata-xml.ts';

const TOOLS = ['thin_check', 'thin_dump', 'thin_restore', 'thin_delta'];
const missing = TOOLS.filter((t) => spawnSync(t, ['-V']).error);
const skip = missing.length ? `thin-provisioning-tools missing (${missing.join(', ')})` : false;

function run(cmd: string, args: string[]): { rc: number; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { rc: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function image(dir: string, name: string, mib: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, mib << 20);
  closeSync(fd);
  return p;
}

function thinCheck(p: string): void {
  const r = run('thin_check', [p]);
  assert.equal(r.rc, 0, `thin_check ${p}: ${r.out}${r.err}`);
  assert.deepEqual(checkThinMetadata(new FileDevice(p, false)).errors, []);
}

function dumpOf(p: string, extra: string[] = []): ReturnType<typeof parseThinXml> {
  const r = run('thin_dump', [...extra, p]);
  assert.equal(r.rc, 0, r.err);
  return parseThinXml(r.out);
}

function withDir(f: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'pdata-'));
  try {
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an empty pool, then thins with mappings: thin_check accepts each commit, thin_dump matches', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 4);
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 128, nrDataBlocks: 1024 });
    thinCheck(p);
    assert.deepEqual(dumpOf(p), readPool(md));
    md.createThin(0);
    for (let v = 0; v < 3; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.setTransactionId(0n, 1n);
    md.commit();
    thinCheck(p);
    const d = dumpOf(p);
    assert.deepEqual(d, readPool(md));
    assert.equal(d.devices.get(0)!.mappings.length, 3);
    md.createThin(5);
    for (let v = 0; v < 600; v++) md.insertMapping(5, 1000 + 7 * v, md.allocDataBlock());
    md.setTransactionId(1n, 2n);
    md.commit();
    thinCheck(p);
    assert.deepEqual(dumpOf(p), readPool(md));
  });
});

test('the canonical state B of the reference: thin_dump prints exactly the XML the reference gives', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 4);
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 128, nrDataBlocks: 1024 });
    md.createThin(0);
    for (let v = 0; v < 3; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.setTransactionId(0n, 1n);
    md.commit();
    thinCheck(p);
    const expected = readFileSync(new URL('../fixtures/thin/canonical-state-b.thin_dump.xml', import.meta.url), 'utf8');
    assert.equal(run('thin_dump', [p]).out.trimEnd(), expected.trimEnd());
  });
});

test('snapshots, overwrites, discards, deletes and a metadata snapshot: thin_check, thin_dump and thin_dump -m agree', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 8);
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 256, nrDataBlocks: 40000 });
    md.createThin(1);
    for (let v = 0; v < 5000; v++) md.insertMapping(1, v, md.allocDataBlock());
    md.commit();
    thinCheck(p);
    for (let s = 2; s <= 5; s++) md.createSnap(s, s - 1);
    md.commit();
    thinCheck(p);
    assert.ok(md.reserveMetadataSnap() > 0);
    thinCheck(p);
    const atSnap = readPool(md);
    for (let v = 0; v < 5000; v += 3) md.insertMapping(3, v, md.allocDataBlock());
    md.removeRange(4, 1000, 3000);
    md.removeMapping(2, 17);
    md.deleteDevice(5);
    md.createThin(9);
    md.commit();
    thinCheck(p);
    assert.deepEqual(dumpOf(p), readPool(md));
    assert.deepEqual(dumpOf(p, ['-m']).devices, atSnap.devices);
    md.releaseMetadataSnap();
    md.commit();
    thinCheck(p);
    assert.deepEqual(dumpOf(p), readPool(md));
  });
});

test('thin_restore from XML we write gives an image we read back identically, and that we can change', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 4);
    const mappings = (base: number, n: number, time: number) => Array.from({ length: n }, (_, i) => [i * 2, { block: base + i, time }] as [number, { block: number; time: number }]);
    const pool = {
      time: 4, transaction: 9n, dataBlockSize: 128, nrDataBlocks: 5000,
      devices: new Map([
        [3, { details: { mappedBlocks: 300, transactionId: 2n, creationTime: 1, snapshottedTime: 4 }, mappings: mappings(0, 300, 1) }],
        [8, { details: { mappedBlocks: 2, transactionId: 7n, creationTime: 4, snapshottedTime: 4 }, mappings: mappings(1000, 2, 4) }],
      ]),
    };
    const xml = join(dir, 'in.xml');
    writeFileSync(xml, writeThinXml(pool));
    const r = run('thin_restore', ['-i', xml, '-o', p]);
    assert.equal(r.rc, 0, r.err);
    const md = ThinMetadata.open(new FileDevice(p, true), { dataBlockSize: 128 });
    assert.deepEqual(readPool(md), pool);
    assert.deepEqual(md.lookup(3, 4), { block: 2, time: 1, shared: true });
    md.createSnap(10, 8);
    md.insertMapping(3, 1, md.allocDataBlock());
    md.commit();
    assert.equal(run('thin_check', [p]).rc, 0);
    assert.deepEqual(dumpOf(p), readPool(md));
  });
});

test('thin_dump of our image through thin_restore reads back as the same pool', { skip }, () => {
  withDir((dir) => {
    const a = image(dir, 'a', 4);
    const md = ThinMetadata.format(new FileDevice(a, true), { dataBlockSize: 128, nrDataBlocks: 3000 });
    md.createThin(0);
    for (let v = 0; v < 900; v++) md.insertMapping(0, (v * 37) % 2000, md.allocDataBlock());
    md.createSnap(1, 0);
    md.insertMapping(1, 5, md.allocDataBlock());
    md.setTransactionId(0n, 3n);
    md.commit();
    const xml = join(dir, 'a.xml');
    writeFileSync(xml, run('thin_dump', [a]).out);
    const b = image(dir, 'b', 4);
    assert.equal(run('thin_restore', ['-i', xml, '-o', b]).rc, 0);
    assert.deepEqual(readPool(ThinMetadata.open(new FileDevice(b, false))), readPool(md));
  });
});

test('thin_delta between a thin and its snapshot after changes agrees with ours', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 4);
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 128, nrDataBlocks: 4000 });
    md.createThin(0);
    for (let v = 0; v < 1200; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.createSnap(1, 0);
    for (let v = 100; v < 150; v++) md.insertMapping(0, v, md.allocDataBlock());
    md.removeRange(1, 400, 420);
    md.removeRange(0, 700, 705);
    for (let v = 2000; v < 2010; v++) md.insertMapping(1, v, md.allocDataBlock());
    md.insertMapping(0, 3000, md.allocDataBlock());
    md.commit();
    thinCheck(p);
    const r = run('thin_delta', ['--snap1', '0', '--snap2', '1', p]);
    assert.equal(r.rc, 0, r.err);
    const theirs = [...r.out.matchAll(/<(same|different|left_only|right_only) begin="(\d+)" length="(\d+)"\/>/g)].map((m) => ({ kind: m[1], begin: Number(m[2]), length: Number(m[3]) }));
    const ours = thinDelta(md, 0, 1);
    assert.ok(ours.some((x) => x.kind === 'different') && ours.some((x) => x.kind === 'left_only') && ours.some((x) => x.kind === 'right_only'));
    assert.deepEqual(theirs, ours);
  });
});

test('several metadata bitmaps, a data device of 300 bitmaps, and growing both: thin_check accepts, memory stays bounded', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 128);
    const nrData = 16320 * 300 - 5;
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 128, nrDataBlocks: nrData, cacheBlocks: 32 });
    assert.equal(md.usage().metadata.total, 32768);
    assert.ok(md.bm.cachedBlocks <= 32);
    thinCheck(p);
    md.createThin(1);
    for (let v = 0; v < 3000; v++) md.insertMapping(1, v * 1000, md.allocDataBlock());
    md.setNeedsCheck();
    md.commit();
    thinCheck(p);
    assert.equal(dumpOf(p).nrDataBlocks, nrData);
    md.resizeData(nrData + 40000);
    md.commit();
    thinCheck(p);
    assert.equal(dumpOf(p).nrDataBlocks, nrData + 40000);
    const again = ThinMetadata.open(new FileDevice(p, false));
    assert.ok(again.needsCheck);
    assert.equal(again.deviceDetails(1)?.mappedBlocks, 3000);
    assert.deepEqual(again.usage(), md.usage());
  });
});

test('a metadata device grown after format: the space map gains a bitmap at the next commit, thin_check accepts', { skip }, () => {
  withDir((dir) => {
    const p = image(dir, 'meta', 40);
    const md = ThinMetadata.format(new FileDevice(p, true), { dataBlockSize: 1024, nrDataBlocks: 500 });
    assert.equal(md.usage().metadata.total, 10240);
    md.createThin(0);
    md.insertMapping(0, 0, md.allocDataBlock());
    md.commit();
    thinCheck(p);
    assert.throws(() => md.resizeData(10), /pool target \(10 blocks\) too small: expected 500/);
    truncateSync(p, 80 << 20);
    const grown = ThinMetadata.open(new FileDevice(p, true));
    grown.resizeMetadata(grown.bm.nrBlocks);
    grown.insertMapping(0, 1, grown.allocDataBlock());
    grown.commit();
    assert.equal(grown.usage().metadata.total, 20480);
    thinCheck(p);
    assert.deepEqual(dumpOf(p).devices.get(0)!.mappings.map(([v]) => v), [0, 1]);
  });
});

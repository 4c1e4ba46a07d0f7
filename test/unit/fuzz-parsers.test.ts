// Seeded, time-bounded fuzzing of the on-disk parsers, starting from real lvm2 data: the label
// sector, the mda header, the config-text parser and the VG text importer, and scanDevice(s) over
// a memory disk with mutated structures. Parsers must return a value, a problem code, or throw
// the project's typed errors (ConfigParseError, MetadataError) — never anything else, never hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeLabel, scanLabel, SECTOR_SIZE } from '../../src/formats/label.ts';
import { decodeMdaHeader, MDA_HEADER_SIZE } from '../../src/formats/mda-header.ts';
import { parseConfig, ConfigParseError } from '../../src/formats/config-text.ts';
import { importVgText, MetadataError } from '../../src/formats/vg-text.ts';
import { lvmCrc } from '../../src/formats/crc.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import type { BlockDevice, DeviceOpener } from '../../src/devices/device.ts';
import { scanDevice, scanDevices } from '../../src/metadata/scan.ts';

const SEED = 0x5eed1234;
/** Per-target time budgets; the whole file stays under 5 s of fuzzing. */
const BUDGET_MS = { label: 700, mda: 700, config: 1000, vgtext: 1200, scan: 1200 };
/** A single parser call slower than this counts as a hang. */
const SLOW_MS = 500;

/** mulberry32: small, fast, deterministic. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const FIX = new URL('../fixtures/lvm2-2pv/', import.meta.url);
const HEADS = ['d1.head.gz', 'd2.head.gz'].map((f) => new Uint8Array(gunzipSync(readFileSync(new URL(f, FIX)))));
const BACKUP = readFileSync(new URL('backup.vg', FIX), 'latin1');

/** The label sector, the mda header and the committed metadata text of a real PV head. */
function pieces(head: Uint8Array): { labelSector: number; mdaOffset: number; text: string } {
  const ls = scanLabel(head.subarray(0, 4 * SECTOR_SIZE));
  assert.ok(ls.label, 'fixture has no label');
  const mdaOffset = ls.label.metadataAreas[0]!.offset;
  const h = decodeMdaHeader(head.subarray(mdaOffset, mdaOffset + MDA_HEADER_SIZE), mdaOffset);
  assert.ok(typeof h !== 'string', `fixture mda header: ${String(h)}`);
  const raw = head.subarray(mdaOffset + h.committed.offset, mdaOffset + h.committed.offset + h.committed.size);
  const nul = raw.indexOf(0);
  return { labelSector: ls.label.sector, mdaOffset, text: new TextDecoder('latin1').decode(raw.subarray(0, nul < 0 ? raw.length : nul)) };
}
const REAL = HEADS.map(pieces);

const U64_VALUES = [0n, 1n, 511n, 512n, 4096n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];

function fixCrc(buf: Uint8Array, at: number, from: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(at, lvmCrc(buf.subarray(from, SECTOR_SIZE)), true);
}

/** Random damage to a sector-sized structure: flips, interesting bytes, u32/u64 fields, zeroed runs. */
function mutateBytes(rng: Rng, src: Uint8Array, fieldOffsets: number[]): Uint8Array {
  const b = src.slice();
  const dv = new DataView(b.buffer);
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    switch (rng.int(5)) {
      case 0:
        b[rng.int(b.length)]! ^= 1 << rng.int(8);
        break;
      case 1:
        b[rng.int(b.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x7b, 0x22]);
        break;
      case 2: {
        const off = rng.chance(0.8) ? rng.pick(fieldOffsets) : rng.int(b.length - 8);
        if (off + 8 <= b.length) dv.setBigUint64(off, rng.pick(U64_VALUES), true);
        break;
      }
      case 3: {
        const off = rng.chance(0.8) ? rng.pick(fieldOffsets) : rng.int(b.length - 4);
        if (off + 4 <= b.length) dv.setUint32(off, rng.pick([0, 1, 32, 0xffffffff, rng.int(0x100000000)]), true);
        break;
      }
      case 4: {
        const off = rng.int(b.length);
        b.fill(rng.pick([0, 0xff]), off, Math.min(b.length, off + 1 + rng.int(64)));
        break;
      }
    }
  }
  return b;
}

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  const v = fn();
  const dt = performance.now() - t0;
  assert.ok(dt < SLOW_MS, `${what} took ${dt.toFixed(0)} ms`);
  return v;
}

function fuzzLoop(budgetMs: number, body: (i: number) => void): number {
  const end = performance.now() + budgetMs;
  let i = 0;
  while (performance.now() < end) body(i++);
  return i;
}

const LABEL_PROBLEMS = new Set(['no-label', 'bad-sector-number', 'bad-checksum', 'bad-type', 'bad-pv-header']);
const MDA_PROBLEMS = new Set(['bad-checksum', 'bad-magic', 'bad-version', 'bad-start', 'bad-size', 'bad-locn']);
// label_header (8: sector, 16: crc, 20: offset) and pv_header fields (32: id, 64: size, 72...: lists).
const LABEL_FIELDS = [8, 16, 20, 64, 72, 80, 88, 96, 104, 112, 120, 128, 136, 144, 152, 160];
const MDA_FIELDS = [20, 24, 32, 40, 48, 56, 60, 64, 72, 80, 84];

test('fuzz: decodeLabel / scanLabel', (t) => {
  const rng = new Rng(SEED);
  const stats = new Map<string, number>();
  const n = fuzzLoop(BUDGET_MS.label, (i) => {
    const real = REAL[i % REAL.length]!;
    const head = HEADS[i % HEADS.length]!;
    const sec = mutateBytes(rng, head.subarray(real.labelSector * SECTOR_SIZE, (real.labelSector + 1) * SECTOR_SIZE), LABEL_FIELDS);
    if (rng.chance(0.75)) fixCrc(sec, 16, 20);
    const input = rng.chance(0.05) ? sec.subarray(0, rng.int(SECTOR_SIZE)) : sec;
    const where = `iteration ${i}`;
    let r: ReturnType<typeof decodeLabel>;
    try {
      r = timed(where, () => decodeLabel(input, rng.chance(0.9) ? real.labelSector : rng.int(4)));
    } catch (e) {
      assert.fail(`decodeLabel threw on ${where}: ${(e as Error).stack}\ninput: ${Buffer.from(input).toString('hex')}`);
    }
    if (typeof r === 'string') assert.ok(LABEL_PROBLEMS.has(r), `unknown problem ${r}`);
    else for (const l of [...r.dataAreas, ...r.metadataAreas, ...r.bootloaderAreas]) assert.ok(Number.isFinite(l.offset) && Number.isFinite(l.size));
    const k = typeof r === 'string' ? r : 'label';
    stats.set(k, (stats.get(k) ?? 0) + 1);
    const win = head.slice(0, 4 * SECTOR_SIZE);
    win.set(sec.subarray(0, SECTOR_SIZE), rng.int(4) * SECTOR_SIZE);
    try {
      const s = timed(where, () => scanLabel(win));
      for (const x of s.rejected) assert.ok(LABEL_PROBLEMS.has(x.problem));
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      assert.fail(`scanLabel threw on ${where}: ${(e as Error).stack}`);
    }
  });
  t.diagnostic(`${n} labels: ${JSON.stringify(Object.fromEntries(stats))}`);
  assert.ok((stats.get('label') ?? 0) > 0 && (stats.get('bad-checksum') ?? 0) > 0, 'the fuzzer should reach both decoded and rejected labels');
});

test('fuzz: decodeMdaHeader', (t) => {
  const rng = new Rng(SEED + 1);
  const stats = new Map<string, number>();
  const n = fuzzLoop(BUDGET_MS.mda, (i) => {
    const real = REAL[i % REAL.length]!;
    const head = HEADS[i % HEADS.length]!;
    const buf = mutateBytes(rng, head.subarray(real.mdaOffset, real.mdaOffset + MDA_HEADER_SIZE), MDA_FIELDS);
    if (rng.chance(0.75)) fixCrc(buf, 0, 4);
    let r: ReturnType<typeof decodeMdaHeader>;
    try {
      r = timed(`iteration ${i}`, () => decodeMdaHeader(buf, real.mdaOffset));
    } catch (e) {
      assert.fail(`decodeMdaHeader threw on iteration ${i}: ${(e as Error).stack}\ninput: ${Buffer.from(buf.subarray(0, 96)).toString('hex')}`);
    }
    if (typeof r === 'string') assert.ok(MDA_PROBLEMS.has(r), `unknown problem ${r}`);
    else {
      assert.equal(r.start, real.mdaOffset);
      assert.ok(r.size >= MDA_HEADER_SIZE);
      if (r.committed.offset !== 0) assert.ok(r.committed.offset < r.size && r.committed.size <= r.size - MDA_HEADER_SIZE);
    }
    const k = typeof r === 'string' ? r : 'header';
    stats.set(k, (stats.get(k) ?? 0) + 1);
  });
  t.diagnostic(`${n} headers: ${JSON.stringify(Object.fromEntries(stats))}`);
  assert.ok((stats.get('header') ?? 0) > 0);
});

// ---- text -----------------------------------------------------------------------------------

const TOKEN_RE = /"(?:[^"\\]|\\.)*"|[{}[\],=]|[^\s{}[\],="#]+|#[^\n]*|\s+/g;
const INTERESTING_TOKENS = ['{', '}', '[', ']', ',', '=', '"', "'", '#', '\0', '0', '-1', '+5', '08', '0x10', '1.5', '.', '9007199254740993', '1e400', '99999999999999999999999', '""', '"\\', '\\"', 'seqno', 'id', 'status', 'segment_count', 'stripes', 'stripe_count', 'pe_count', 'extent_count', 'start_extent', 'physical_volumes', 'logical_volumes', 'segment1', 'pv0', 'pv1', 'type', '"striped"', '"linear"', '"thin"', '"READ"', '"BOGUS"', '"pv0"', 'contents', 'version', '\n', ' '];

function mutateText(rng: Rng, text: string): string {
  const toks = text.match(TOKEN_RE) ?? [text];
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds; r++) {
    if (toks.length === 0) toks.push(rng.pick(INTERESTING_TOKENS));
    const i = rng.int(toks.length);
    switch (rng.int(9)) {
      case 0:
        toks.splice(i, 1);
        break;
      case 1:
        toks.splice(i, 0, toks[rng.int(toks.length)]!);
        break;
      case 2: {
        const j = rng.int(toks.length);
        [toks[i], toks[j]] = [toks[j]!, toks[i]!];
        break;
      }
      case 3:
        toks[i] = rng.pick(INTERESTING_TOKENS);
        break;
      case 4:
        toks.splice(i, 0, rng.pick(INTERESTING_TOKENS));
        break;
      case 5: {
        // A number replaced by an interesting one.
        const nums = toks.map((x, k) => (/^[0-9]+$/.test(x) ? k : -1)).filter((k) => k >= 0);
        if (nums.length) toks[rng.pick(nums)] = rng.pick(['0', '1', '-1', '2', '3', '4294967295', '4294967296', '9007199254740993', '18446744073709551615', '077', '1.0']);
        break;
      }
      case 6: {
        // A string's contents changed.
        const strs = toks.map((x, k) => (x.startsWith('"') ? k : -1)).filter((k) => k >= 0);
        if (strs.length) toks[rng.pick(strs)] = rng.pick(['""', '"x"', '"pv0"', '"pv1"', '"lvol0"', '"striped"', '"mirror"', '"raid1"', '"thin-pool"', '"READ", "WRITE"', '"a\\"b"']);
        break;
      }
      case 7:
        return toks.join('').slice(0, rng.int(text.length + 1));
      case 8: {
        const s = toks.join('');
        const at = rng.int(s.length);
        return s.slice(0, at) + String.fromCharCode(rng.int(256)) + s.slice(at + 1);
      }
    }
  }
  return toks.join('');
}

function typedOnly(what: string, input: string, fn: () => void, stats: Map<string, number>): void {
  try {
    timed(what, fn);
    stats.set('ok', (stats.get('ok') ?? 0) + 1);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    if (e instanceof ConfigParseError || e instanceof MetadataError) {
      stats.set(e.constructor.name, (stats.get(e.constructor.name) ?? 0) + 1);
      return;
    }
    assert.fail(`${what} threw ${(e as Error).constructor.name}: ${(e as Error).stack}\n--- input (${input.length} chars)\n${input.length > 4000 ? input.slice(0, 4000) + '…' : input}`);
  }
}

test('fuzz: parseConfig', (t) => {
  const rng = new Rng(SEED + 2);
  const stats = new Map<string, number>();
  const seeds = [BACKUP, ...REAL.map((r) => r.text)];
  const n = fuzzLoop(BUDGET_MS.config, (i) => {
    const input = mutateText(rng, seeds[i % seeds.length]!);
    typedOnly(`parseConfig iteration ${i}`, input, () => void parseConfig(input), stats);
  });
  t.diagnostic(`${n} texts: ${JSON.stringify(Object.fromEntries(stats))}`);
});

test('fuzz: importVgText', (t) => {
  const rng = new Rng(SEED + 3);
  const stats = new Map<string, number>();
  const seeds = [BACKUP, ...REAL.map((r) => r.text)];
  for (const s of seeds) importVgText(s); // the unmutated inputs are valid
  const n = fuzzLoop(BUDGET_MS.vgtext, (i) => {
    let input = seeds[i % seeds.length]!;
    // Stack mutations so some inputs drift far from the original.
    for (let d = 1 + rng.int(3); d > 0; d--) input = mutateText(rng, input);
    typedOnly(`importVgText iteration ${i}`, input, () => void importVgText(input), stats);
  });
  t.diagnostic(`${n} VG texts: ${JSON.stringify(Object.fromEntries(stats))}`);
  assert.ok((stats.get('ok') ?? 0) > 0 && (stats.get('MetadataError') ?? 0) > 0 && (stats.get('ConfigParseError') ?? 0) > 0);
});

test('parseConfig: deeply nested input is a typed error, not a stack overflow', () => {
  // An mda can hold ~0.5 MiB of text; a hostile or corrupted one may nest sections that deep.
  for (const depth of [1000, 100_000]) {
    const text = 'a {'.repeat(depth) + '}'.repeat(depth);
    const stats = new Map<string, number>();
    typedOnly(`parseConfig of ${depth} nested sections`, `a { × ${depth}`, () => void parseConfig(text), stats);
    const arr = 'a = ' + '['.repeat(depth);
    typedOnly(`parseConfig of ${depth} nested arrays`, `a = [ × ${depth}`, () => void parseConfig(arr), stats);
  }
});

// ---- scanDevice over a memory disk ----------------------------------------------------------

const DISK = 8 * 1024 * 1024;
/** The fixtures' non-zero bytes all lie in their first 64 KiB (label, mda header, text). */
const HEAD_USED = 64 * 1024;
for (const h of HEADS) assert.ok(h.subarray(HEAD_USED).every((b) => b === 0));

class OversizedRead extends Error {}

/**
 * Memory disks that refuse (quickly) any single read longer than `maxRead` bytes and remember
 * the longest one asked for: a corrupted header must not make the scanner read or allocate
 * gigabytes.
 */
class GuardedDisks implements DeviceOpener {
  readonly inner = new MemoryDisks();
  longestRead = 0;
  constructor(private readonly maxRead: number) {}
  exists(path: string): boolean {
    return this.inner.exists(path);
  }
  open(path: string): BlockDevice {
    const dev = this.inner.open(path);
    const self = this;
    return {
      path: dev.path,
      size: dev.size,
      writable: dev.writable,
      read(offset: number, length: number): Uint8Array {
        self.longestRead = Math.max(self.longestRead, length);
        if (length > self.maxRead) throw new OversizedRead(`read of ${length} bytes at ${offset}`);
        return dev.read(offset, length);
      },
      write: (o, d) => dev.write(o, d),
      flush: () => dev.flush(),
      close: () => dev.close(),
    };
  }
}

test('scanDevice: a committed slot larger than its metadata area is refused without reading it', () => {
  // Found by the scan fuzzer below: the header's own size field (not the area size the label
  // gives) bounds the slot, so a header claiming a huge area makes scanDevice allocate and read
  // committed.size bytes (2 GiB took 70 s on a memory disk).
  const real = REAL[0]!;
  const ls = scanLabel(HEADS[0]!.subarray(0, 4 * SECTOR_SIZE));
  const areaSize = ls.label!.metadataAreas[0]!.size;
  const disks = new GuardedDisks(DISK);
  disks.inner.add('/dev/big', DISK).write(0, HEADS[0]!.subarray(0, HEAD_USED));
  const dev = disks.inner.disks.get('/dev/big')!;
  const hdr = dev.read(real.mdaOffset, MDA_HEADER_SIZE);
  const dv = new DataView(hdr.buffer);
  dv.setBigUint64(32, 2n ** 40n, true); // mda size claimed by the header
  dv.setBigUint64(48, 32n * 1024n * 1024n, true); // committed.size: 32 MiB, in an area of ~1 MiB
  fixCrc(hdr, 0, 4);
  dev.write(real.mdaOffset, hdr);
  const sd = scanDevice(disks, '/dev/big');
  assert.ok(sd.label);
  assert.ok(sd.mdas[0]!.problem, 'the oversized slot should be reported as a problem');
  assert.ok(disks.longestRead <= areaSize, `scanDevice read ${disks.longestRead} bytes at once from a ${areaSize}-byte metadata area`);
});

test('fuzz: scanDevice / scanDevices on memory disks with mutated headers', (t) => {
  const rng = new Rng(SEED + 4);
  const stats = new Map<string, number>();
  const n = fuzzLoop(BUDGET_MS.scan, (i) => {
    const disks = new GuardedDisks(DISK);
    const paths = ['/dev/fz1', '/dev/fz2'];
    HEADS.forEach((h, k) => disks.inner.add(paths[k]!, DISK).write(0, h.subarray(0, HEAD_USED)));
    const k = rng.int(2);
    const dev = disks.inner.disks.get(paths[k]!)!;
    const real = REAL[k]!;
    const target = rng.int(3);
    if (target === 0) {
      const off = real.labelSector * SECTOR_SIZE;
      const sec = mutateBytes(rng, dev.read(off, SECTOR_SIZE), LABEL_FIELDS);
      if (rng.chance(0.8)) fixCrc(sec, 16, 20);
      dev.write(off, sec);
    } else if (target === 1) {
      const hdr = mutateBytes(rng, dev.read(real.mdaOffset, MDA_HEADER_SIZE), MDA_FIELDS);
      if (rng.chance(0.3)) {
        // Oversized areas and slots: must be refused, never allocated.
        const hv = new DataView(hdr.buffer);
        hv.setBigUint64(32, rng.pick([2n ** 40n, 2n ** 52n, 2n ** 60n]), true);
        hv.setBigUint64(48, rng.pick([2n ** 31n, 2n ** 39n, 2n ** 51n]), true);
      }
      if (rng.chance(0.8)) fixCrc(hdr, 0, 4);
      dev.write(real.mdaOffset, hdr);
    } else {
      // Mutated text with a matching checksum, so it reaches the parser.
      const hdr = dev.read(real.mdaOffset, MDA_HEADER_SIZE);
      const dv = new DataView(hdr.buffer);
      const offset = Number(dv.getBigUint64(40, true));
      const text = new TextEncoder().encode(mutateText(rng, real.text) + '\0');
      if (text.length < 0x10000) {
        dev.write(real.mdaOffset + offset, text);
        dv.setBigUint64(48, BigInt(text.length), true);
        dv.setUint32(56, lvmCrc(text), true);
        fixCrc(hdr, 0, 4);
        dev.write(real.mdaOffset, hdr);
      }
    }
    let outcome = 'clean';
    try {
      const sd = timed(`scanDevice iteration ${i}`, () => scanDevice(disks, paths[k]!));
      if (!sd.label) outcome = 'no-label';
      else if (sd.mdas.some((m) => m.problem)) outcome = 'mda-problem';
      const scan = timed(`scanDevices iteration ${i}`, () => scanDevices(disks, paths));
      if (scan.problems.length) outcome = 'vg-problem';
      for (const pr of scan.problems) assert.ok(!/\b(TypeError|RangeError|ReferenceError|SyntaxError|Error):/.test(pr.message), `untyped error while importing: ${pr.message}`);
      for (const f of scan.all()) assert.ok(f.vg.name && f.vg.seqno >= 0);
      // Oversized reads are refused by GuardedDisks (see the dedicated test above); count them here.
      if (disks.longestRead > DISK) outcome = 'oversized-read-refused';
    } catch (e) {
      if (e instanceof assert.AssertionError) throw e;
      if (e instanceof OversizedRead) outcome = 'oversized-read-refused';
      else assert.fail(`scanning threw on iteration ${i} (target ${['label', 'mda header', 'text'][target]}): ${(e as Error).stack}`);
    }
    stats.set(outcome, (stats.get(outcome) ?? 0) + 1);
  });
  t.diagnostic(`${n} disks: ${JSON.stringify(Object.fromEntries(stats))}`);
});

// Replays lvm2's golden transcripts through ulvm in-process, on memory disks named like the
// capture host's loop devices, and compares stdout, stderr and exit status byte for byte
// (after normalising what legitimately differs between runs: UUIDs and timestamps).
import { mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../src/cli/main.ts';
import { BufferIo } from '../../src/ops/io.ts';
import { MemoryDisks } from '../../src/devices/memory.ts';
import type { Activator } from '../../src/activation/activator.ts';

/** Real lvm2 transcripts, kept in the repository as test data (test/fixtures/golden/README.md says how they were captured). */
export const goldenDir = (): string => process.env.ULVM_GOLDEN_DIR ?? new URL('../fixtures/golden', import.meta.url).pathname;

export interface GoldenStep {
  command: string;
  stdout: string;
  stderr: string;
  exit_code: number;
}

/**
 * The steps of a golden transcript; with `before`, only the prefix up to (not including) the first
 * step whose command line starts with it (a later part that ulvm does not replay yet).
 */
export function loadGolden(name: string, before?: string): GoldenStep[] {
  const d = JSON.parse(readFileSync(join(goldenDir(), 'json', `${name}.json`), 'utf8')) as { steps: (GoldenStep | { note: string })[] };
  const steps = d.steps.filter((s): s is GoldenStep => 'command' in s);
  if (before === undefined) return steps;
  const end = steps.findIndex((s) => s.command.startsWith(before));
  if (end < 0) throw new Error(`${name}: no step starts with "${before}"`);
  return steps.slice(0, end);
}

/** Splits a simple shell command line: words, quotes, `<<<word` and `</dev/null`. */
export function shellSplit(line: string): { argv: string[]; stdin: string } | undefined {
  if (/[|;&`$()]/.test(line.replace(/'[^']*'/g, '').replace(/"[^"]*"/g, ''))) return undefined;
  const argv: string[] = [];
  let stdin = '';
  const re = /<<<\s*(\S+)|<\s*\/dev\/null|"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) {
    if (m[1] !== undefined) stdin = m[1] + '\n';
    else if (m[0].startsWith('<')) stdin = '';
    else argv.push(m[2] ?? m[3] ?? m[4]!);
  }
  return { argv, stdin };
}

const DM_NOISE = [
  '  /dev/mapper/control: open failed: No such device\n',
  '  Failure to communicate with kernel device-mapper driver.\n',
  '  Check that device-mapper is available in the kernel.\n',
  '  Incompatible libdevmapper 1.02.185 (2022-05-18) and kernel driver (unknown version).\n',
];

export function normalise(s: string): string {
  return s
    .replace(/[0-9A-Za-z]{6}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{4}-[0-9A-Za-z]{6}/g, 'UUID')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME')
    .replace(/(LV Creation host, time )\S+,/g, '$1HOST,')
    // -v names metadata sequence numbers and the backup directory, which differ between runs.
    .replace(/\(seqno \d+\)/g, '(seqno N)')
    .replace(/Creating volume group backup "[^"]*\/backup\//g, 'Creating volume group backup "BACKUP/');
}

export class GoldenSession {
  readonly disks = new MemoryDisks();
  readonly dir = mkdtempSync(join(tmpdir(), 'ulvm-golden-'));
  /** In-process activation (the VM transcripts come from a kernel with device-mapper). */
  activator?: Activator;
  constructor(devices: string[], size = 25 * 1024 * 1024) {
    for (const d of devices) this.disks.add(d, size);
    this.setDevices(devices);
  }

  /** Lists the devices ulvm may see, as the capture's global_filter did for lvm2. */
  setDevices(devices: string[]): void {
    mkdirSync(join(this.dir, 'sys', 'devices'), { recursive: true });
    writeFileSync(join(this.dir, 'sys', 'devices', 'system.devices'), devices.map((d) => `IDTYPE=devname IDNAME=${d} DEVNAME=${d} PVID=.`).join('\n') + '\n');
  }

  async run(line: string): Promise<{ stdout: string; stderr: string; rc: number } | undefined> {
    const sp = shellSplit(line);
    if (!sp || sp.argv.length === 0) return undefined;
    let [name, ...args] = sp.argv as [string, ...string[]];
    if (name === 'lvm') [name, ...args] = args as [string, ...string[]];
    const io = new BufferIo(sp.stdin);
    const rc = await runCommand(name, args, {
      ...(this.activator ? { activator: this.activator } : {}),
      io,
      env: { ULVM_SYSTEM_DIR: join(this.dir, 'sys'), ULVM_RUN_DIR: join(this.dir, 'run'), TZ: 'UTC' },
      uid: 0,
      cwd: this.dir,
      opener: this.disks,
    });
    return { stdout: io.stdout, stderr: io.stderr, rc };
  }

  /** Runs a golden step; a host-side device-mapper failure is replayed as `--driverloaded n`. */
  async replay(step: GoldenStep): Promise<{ actual: string; expected: string } | undefined> {
    let line = step.command;
    let expectedErr = step.stderr;
    let dropWarning = false;
    if (DM_NOISE.every((l) => expectedErr.includes(l))) {
      // The capture host had no device-mapper: lvm2's reports then show the state as unknown
      // ('X', as with --driverloaded n) while its display commands show the LV as not available
      // (as ulvm does for an inactive LV). The noise lines themselves are the host's, not lvm's.
      for (const l of DM_NOISE) expectedErr = expectedErr.replace(l, '');
      if (!/^(lv|vg|pv)display\b|^lvscan\b/.test(line)) {
        line = line.replace(/^(\S+)/, '$1 --driverloaded n');
        dropWarning = true;
      }
    }
    const r = await this.run(line);
    if (!r) return undefined;
    let err = r.stderr;
    if (dropWarning) err = err.replace('  WARNING: Activation disabled. No device-mapper interaction will be attempted.\n', '');
    const fmt = (o: string, e: string, rc: number) => normalise(`--- stdout\n${o}--- stderr\n${e}--- rc ${rc}\n`);
    return { actual: fmt(r.stdout, err, r.rc), expected: fmt(step.stdout, expectedErr, step.exit_code) };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

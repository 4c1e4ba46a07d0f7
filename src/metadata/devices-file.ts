// The devices file: which devices ulvm looks at, as lvm2's system.devices does.
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoCode, errnoNumber } from '../devices/errno.ts';
import { UlvmError } from '../errors.ts';

/** The devices file could not be read or replaced; `message` is lvm2's. */
export class DevicesFileError extends UlvmError {
  constructor(message: string) {
    super('DEVICES_FILE', [message]);
  }
}

export interface DeviceEntry {
  idType: string;
  idName: string;
  devName: string;
  pvId?: string;
}

export function readDevicesFile(file: string): DeviceEntry[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = errnoCode(e);
    if (code === 'ENOENT') return undefined;
    if (code === undefined) throw e;
    throw new DevicesFileError('Cannot open devices file to read.');
  }
  const out: DeviceEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('IDTYPE=')) continue;
    const f = new Map<string, string>();
    for (const kv of line.split(' ')) {
      const eq = kv.indexOf('=');
      if (eq > 0) f.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    const e: DeviceEntry = { idType: f.get('IDTYPE') ?? 'devname', idName: f.get('IDNAME') ?? '', devName: f.get('DEVNAME') ?? f.get('IDNAME') ?? '' };
    const pv = f.get('PVID');
    if (pv && pv !== '.') e.pvId = pv;
    out.push(e);
  }
  return out;
}

export function writeDevicesFile(file: string, entries: DeviceEntry[], command: string, now: Date): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    throw new DevicesFileError('Cannot open tmp devices_file to write.');
  }
  const lines = [
    '# LVM uses devices listed in this file.',
    `# Created by LVM command ${command} pid ${process.pid} at ${now.toUTCString()}`,
    'VERSION=1.1.1',
    ...entries.map((e) => `IDTYPE=${e.idType} IDNAME=${e.idName} DEVNAME=${e.devName} PVID=${e.pvId ?? '.'}`),
  ];
  const tmp = `${file}.tmp.${process.pid}`;
  try {
    writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    throw new DevicesFileError('Cannot open tmp devices_file to write.');
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    if (errnoCode(e) === undefined) throw e;
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    throw new DevicesFileError(`Failed to replace devices file errno ${errnoNumber(e)}`);
  }
}

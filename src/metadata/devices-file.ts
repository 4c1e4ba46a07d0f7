// The devices file: which devices ulvm looks at, as lvm2's system.devices does.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
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
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const lines = [
    '# LVM uses devices listed in this file.',
    `# Created by LVM command ${command} pid ${process.pid} at ${now.toUTCString()}`,
    'VERSION=1.1.1',
    ...entries.map((e) => `IDTYPE=${e.idType} IDNAME=${e.idName} DEVNAME=${e.devName} PVID=${e.pvId ?? '.'}`),
  ];
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, lines.join('\n') + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

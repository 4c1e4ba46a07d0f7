// Host and time details that lvm2 writes into metadata headers and comments.
import { hostname, machine, release, type, version } from 'node:os';
import type { TextHeader } from '../formats/vg-text.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** C's ctime(): "Thu Nov 26 03:48:31 2026\n" in local time. */
export function ctime(t: number): string {
  const d = new Date(t * 1000);
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${d.getFullYear()}\n`;
}

let lastIso: [number, string] = [NaN, ''];

/** strftime("%Y-%m-%d %T %z") in local time (LVs created together share a time: remember the last). */
export function isoLocal(t: number): string {
  if (lastIso[0] === t) return lastIso[1];
  const s = isoLocalUncached(t);
  lastIso = [t, s];
  return s;
}

function isoLocalUncached(t: number): string {
  const d = new Date(t * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${sign}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

export function nodename(): string {
  return hostname().split('.')[0] ?? hostname();
}

export function textHeader(description: string, time: number): TextHeader {
  return {
    description,
    nodename: hostname(),
    sysname: type(),
    release: release(),
    version: version(),
    machine: machine(),
    time,
    ctime,
    localTime: isoLocal,
  };
}

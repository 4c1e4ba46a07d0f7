// The device-mapper's own view of the active devices (every device, hidden layers included), for
// `ulvm dmsetup`: the in-process engine and the daemon client both give it.
import type { DmInfo } from '../mapper/registry.ts';
import type { Activator } from './activator.ts';

export interface DmView {
  /** Every device, in minor order. */
  dmStatus(): Promise<DmInfo[]>;
  /** A device's live table lines, or the loaded one not yet resumed (`dmsetup table --inactive`). */
  dmTable(name: string, inactive?: boolean): Promise<string[]>;
  /** `dmsetup message NAME SECTOR TEXT`: the reply of the target holding that sector. */
  dmMessage(name: string, sector: number, text: string): Promise<string>;
}

export function dmViewOf(a: Activator): DmView | undefined {
  const v = a as Partial<DmView>;
  return typeof v.dmStatus === 'function' && typeof v.dmTable === 'function' && typeof v.dmMessage === 'function' ? (a as Activator & DmView) : undefined;
}

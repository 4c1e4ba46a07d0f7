// The daemon's control protocol: one JSON request per line, one JSON reply per line, matched by id.
import type { ActivateRequest, ActiveLv, MergeResult } from '../activation/activator.ts';
import type { DmError, DmInfo } from '../mapper/registry.ts';
import type { StopReply } from './stop.ts';
import type { DeltaRun } from '../pdata/thin-delta.ts';
import type { RotatedChangeMap } from '../mapper/change-map.ts';

export type ControlBody =
  | { op: 'ping' }
  /** The active LVs (as commands see them). */
  | { op: 'status' }
  | { op: 'activate'; req: ActivateRequest }
  | { op: 'deactivate'; vgName: string; lvNames: string[] }
  | { op: 'reload'; vgName: string; devices: string[] }
  /** wait: false to return once the merge runs instead of when it is done. */
  | { op: 'merge'; vgName: string; originName: string; devices: string[]; wait?: boolean }
  | { op: 'hold'; vgName: string; lvNames: string[] }
  | { op: 'release' }
  /** force: even with LVs in use (their I/O then fails). */
  | { op: 'stop'; force?: boolean }
  /** Every device-mapper device (hidden layers included), as dmsetup shows them. */
  | { op: 'dmStatus' }
  | { op: 'dmTable'; name: string; inactive?: boolean }
  /** To the target of `name`'s live table holding `sector`; an error when it takes no messages. */
  | { op: 'message'; name: string; sector: number; text: string }
  /** What differs between two thin devices of an active pool (thin_delta through a metadata snapshot). */
  | { op: 'thinDelta'; vgName: string; pool: string; left: number; right: number; leftBlocks?: number; rightBlocks?: number }
  /** Starts keeping a change map of a (top-level) LV's writes; `regionSize` in bytes. */
  | { op: 'enableChangeMap'; vgName: string; lvName: string; regionSize?: number }
  /** Ends a change map's generation and starts the next, atomically with respect to writes. */
  | { op: 'rotateChangeMap'; vgName: string; lvName: string };

export type ControlOp = ControlBody['op'];
export type ControlRequest = ControlBody & { id: number };
export type BodyOf<O extends ControlOp> = Extract<ControlBody, { op: O }>;

export interface ControlResults {
  ping: null;
  status: ActiveLv[];
  activate: null;
  deactivate: null;
  reload: null;
  merge: MergeResult;
  /** frozen: the mount points frozen for the hold (absent from older daemons). */
  hold: { warnings: string[]; frozen?: string[] };
  release: { warnings: string[] };
  stop: StopReply;
  dmStatus: DmInfo[];
  dmTable: string[];
  message: string;
  thinDelta: { blockSectors: number; runs: DeltaRun[] };
  enableChangeMap: { generation: number; regionSize: number };
  rotateChangeMap: RotatedChangeMap;
}

/** A failed request; `code` when the device-mapper refused it (the errno its ioctl would give). */
export type ControlReply<O extends ControlOp = ControlOp> = { id: number; ok: true; result: ControlResults[O] } | { id: number; ok: false; error: string; code?: DmError['code'] };

const OPS: readonly ControlOp[] = ['ping', 'status', 'activate', 'deactivate', 'reload', 'merge', 'hold', 'release', 'stop', 'dmStatus', 'dmTable', 'message', 'thinDelta', 'enableChangeMap', 'rotateChangeMap'];

/** A request line as the server takes it: JSON with a numeric id and a known op, or why not. */
export function parseRequest(line: string): ControlRequest | { id: number; error: string } {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return { id: -1, error: 'bad request' };
  }
  if (typeof r !== 'object' || r === null) return { id: -1, error: 'bad request' };
  const o = r as { id?: unknown; op?: unknown };
  const id = typeof o.id === 'number' ? o.id : -1;
  if (!OPS.includes(o.op as ControlOp)) return { id, error: `unknown request ${String(o.op)}` };
  return r as ControlRequest;
}

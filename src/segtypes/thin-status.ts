// The thin-pool and thin targets' status lines read the way lvm2 reads them (libdm-targets.c
// parse_thin_pool_status, dm_get_status_thin), and lvm2's percentages from them (dm_make_percent).

export interface ThinPoolStatus {
  transactionId: number;
  usedMetadata: number;
  totalMetadata: number;
  usedData: number;
  totalData: number;
  fail: boolean;
  error: boolean;
  readOnly: boolean;
  outOfDataSpace: boolean;
  errorIfNoSpace: boolean;
  needsCheck: boolean;
  discards: 'passdown' | 'nopassdown' | 'ignore';
}

const FAILED = { transactionId: 0, usedMetadata: 0, totalMetadata: 0, usedData: 0, totalData: 0, readOnly: false, outOfDataSpace: false, errorIfNoSpace: false, needsCheck: false, discards: 'passdown' } as const;

export function parseThinPoolStatus(text: string): ThinPoolStatus | undefined {
  if (text.includes('Error')) return { ...FAILED, fail: true, error: true };
  if (text.includes('Fail')) return { ...FAILED, fail: true, error: false };
  const m = /^(\d+) (\d+)\/(\d+) (\d+)\/(\d+)/.exec(text);
  if (!m) return undefined;
  const rest = text.slice(m[0].length);
  return {
    transactionId: Number(m[1]),
    usedMetadata: Number(m[2]),
    totalMetadata: Number(m[3]),
    usedData: Number(m[4]),
    totalData: Number(m[5]),
    fail: false,
    error: false,
    discards: rest.includes('no_discard_passdown') ? 'nopassdown' : rest.includes('ignore_discard') ? 'ignore' : 'passdown',
    outOfDataSpace: rest.includes('out_of_data_space'),
    readOnly: !rest.includes('out_of_data_space') && rest.includes('ro '),
    errorIfNoSpace: rest.includes('error_if_no_space'),
    needsCheck: rest.includes('needs_check'),
  };
}

export interface ThinStatus {
  mappedSectors: number;
  highestSector: number;
  fail: boolean;
}

export function parseThinStatus(text: string): ThinStatus {
  if (text.includes('-')) return { mappedSectors: 0, highestSector: 0, fail: false };
  if (text.includes('Fail')) return { mappedSectors: 0, highestSector: 0, fail: true };
  const [a, b] = text.trim().split(/\s+/).map(Number);
  return { mappedSectors: a ?? 0, highestSector: b ?? 0, fail: false };
}

/** dm_make_percent, as a percentage: exact 0 and 100 only for exactly empty and exactly full. */
export function makePercent(n: number, d: number): number {
  if (d === 0 || n === d) return 100;
  if (n === 0) return 0;
  const units = Math.trunc((1e8 * n) / d);
  const inside = units <= 0 ? 1 : units >= 1e8 ? 1e8 - 1 : units;
  return inside / 1e6;
}

/** A pool's health (lv_attr [8], lv_health_status) from its status. */
export function poolHealth(s: ThinPoolStatus): 'failed' | 'out_of_data' | 'metadata_read_only' | undefined {
  if (s.fail) return 'failed';
  if (s.outOfDataSpace) return 'out_of_data';
  if (s.readOnly) return 'metadata_read_only';
  return undefined;
}

// pool_status: the thin-pool target's two lines as the kernel prints them. STATUSTYPE_INFO is
// computed from the live state (the live passdown and error_if_no_space flags); STATUSTYPE_TABLE
// from the features the table asked for, in emit_flags' order.
import type { PoolFeatures, PoolMode } from './thin-pool.ts';

export interface PoolFigures {
  transactionId: bigint;
  /** Metadata blocks: used counts the kernel's reserve as used. */
  usedMeta: number;
  totalMeta: number;
  usedData: number;
  totalData: number;
  /** The metadata snapshot's block, 0 for none. */
  heldRoot: number;
  mode: PoolMode;
  discardEnabled: boolean;
  passdown: boolean;
  errorIfNoSpace: boolean;
  needsCheck: boolean;
  metadataThreshold: number;
}

/** The INFO line: `Fail` in fail mode, else every figure and word followed by one space. */
export function poolStatusLine(f: PoolFigures): string {
  if (f.mode === 'fail') return 'Fail';
  const mode = f.mode === 'out-of-data-space' ? 'out_of_data_space' : f.mode === 'write' ? 'rw' : 'ro';
  const discard = !f.discardEnabled ? 'ignore_discard' : f.passdown ? 'discard_passdown' : 'no_discard_passdown';
  const noSpace = f.errorIfNoSpace ? 'error_if_no_space' : 'queue_if_no_space';
  return `${f.transactionId} ${f.usedMeta}/${f.totalMeta} ${f.usedData}/${f.totalData} ${f.heldRoot || '-'} ${mode} ${discard} ${noSpace} ${f.needsCheck ? 'needs_check' : '-'} ${f.metadataThreshold} `;
}

/** The TABLE line: `<meta> <data> <block size> <low water mark> <#features> <feature> …`, each feature followed by a space. */
export function poolTableLine(metadataDev: string, dataDev: string, dataBlockSize: number, lowWaterMark: number, f: PoolFeatures): string {
  const words = [
    !f.zeroNewBlocks && 'skip_block_zeroing',
    !f.discardEnabled && 'ignore_discard',
    !f.discardPassdown && 'no_discard_passdown',
    f.readOnly && 'read_only',
    f.errorIfNoSpace && 'error_if_no_space',
  ].filter((w): w is string => typeof w === 'string');
  return `${metadataDev} ${dataDev} ${dataBlockSize} ${lowWaterMark} ${words.length} ${words.map((w) => `${w} `).join('')}`;
}

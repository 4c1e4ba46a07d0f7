// thin_delta's XML (thin-provisioning-tools 0.9.0): the superblock line, the diff element, and
// the runs either plain (one element per run) or --verbose (runs grouped under one element per
// kind, each with where its data lies in the pool).
import type { ThinSuperblock } from './superblock.ts';
import type { DeltaKind, DeltaRun, VerboseDeltaRun } from './thin-delta.ts';

function rangeLine(r: VerboseDeltaRun): string {
  const data = r.kind === 'different' ? ` left_data_begin="${r.leftData}" right_data_begin="${r.rightData}"` : ` data_begin="${r.kind === 'right_only' ? r.rightData : r.leftData}"`;
  return `      <range begin="${r.begin}"${data} length="${r.length}"/>\n`;
}

/**
 * The whole output for a diff of `left` against `right` read from metadata whose superblock is
 * `sb`. The data block count is the superblock's data space map size, which a metadata
 * snapshot's copy has zeroed (so thin_delta -m prints 0).
 */
export function formatThinDelta(sb: Readonly<ThinSuperblock>, left: number, right: number, runs: DeltaRun[] | VerboseDeltaRun[], verbose: boolean): string {
  const snap = sb.heldRoot ? ` metadata_snap="${sb.heldRoot}"` : '';
  let out = `<superblock uuid="" time="${sb.time}" transaction="${sb.transId}" data_block_size="${sb.dataBlockSize}" nr_data_blocks="${sb.dataSmRoot.nrBlocks}"${snap}>\n`;
  out += `  <diff left="${left}" right="${right}">\n`;
  if (!verbose) {
    for (const r of runs) out += `    <${r.kind} begin="${r.begin}" length="${r.length}"/>\n`;
  } else {
    let open: DeltaKind | undefined;
    for (const r of runs) {
      if (r.kind !== open) {
        if (open) out += `    </${open}>\n`;
        out += `    <${r.kind}>\n`;
        open = r.kind;
      }
      out += rangeLine(r);
    }
    if (open) out += `    </${open}>\n`;
  }
  return out + '  </diff>\n</superblock>\n';
}

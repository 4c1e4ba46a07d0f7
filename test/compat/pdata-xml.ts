// thin_dump's XML, read and written for the thin-provisioning-tools tests.
import type { BlockTime, DeviceDetails } from '../../src/pdata/thin-values.ts';
import type { ThinMetadata } from '../../src/pdata/thin-metadata.ts';

export interface PoolXml {
  time: number;
  transaction: bigint;
  dataBlockSize: number;
  nrDataBlocks: number;
  devices: Map<number, { details: DeviceDetails; mappings: [number, BlockTime][] }>;
}

function attrs(tag: string): Map<string, string> {
  return new Map([...tag.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

export function parseThinXml(xml: string): PoolXml {
  const sb = attrs(/<superblock[^>]*>/.exec(xml)![0]);
  const devices: PoolXml['devices'] = new Map();
  for (const d of xml.matchAll(/<device ([^>]*)>([\s\S]*?)<\/device>/g)) {
    const a = attrs(d[1]);
    const mappings: [number, BlockTime][] = [];
    for (const m of d[2].matchAll(/<(single|range)_mapping ([^>]*)\/>/g)) {
      const x = attrs(m[2]);
      const time = Number(x.get('time'));
      if (m[1] === 'single') mappings.push([Number(x.get('origin_block')), { block: Number(x.get('data_block')), time }]);
      else for (let i = 0; i < Number(x.get('length')); i++) mappings.push([Number(x.get('origin_begin')) + i, { block: Number(x.get('data_begin')) + i, time }]);
    }
    devices.set(Number(a.get('dev_id')), {
      details: { mappedBlocks: Number(a.get('mapped_blocks')), transactionId: BigInt(a.get('transaction')!), creationTime: Number(a.get('creation_time')), snapshottedTime: Number(a.get('snap_time')) },
      mappings,
    });
  }
  return { time: Number(sb.get('time')), transaction: BigInt(sb.get('transaction')!), dataBlockSize: Number(sb.get('data_block_size')), nrDataBlocks: Number(sb.get('nr_data_blocks')), devices };
}

/** What our code says is inside, in the same shape. */
export function readPool(md: ThinMetadata): PoolXml {
  const devices: PoolXml['devices'] = new Map();
  for (const id of md.devices()) {
    const mappings: [number, BlockTime][] = [];
    md.mappings(id, (v, bt) => void mappings.push([v, bt]));
    devices.set(id, { details: md.deviceDetails(id)!, mappings });
  }
  return { time: md.time, transaction: md.transactionId, dataBlockSize: md.dataBlockSize, nrDataBlocks: md.usage().data.total, devices };
}

/** Input for thin_restore: one single_mapping per entry, so nothing depends on run detection. */
export function writeThinXml(p: PoolXml): string {
  const out = [`<superblock uuid="" time="${p.time}" transaction="${p.transaction}" version="2" data_block_size="${p.dataBlockSize}" nr_data_blocks="${p.nrDataBlocks}">`];
  for (const [id, d] of p.devices) {
    const x = d.details;
    out.push(`  <device dev_id="${id}" mapped_blocks="${x.mappedBlocks}" transaction="${x.transactionId}" creation_time="${x.creationTime}" snap_time="${x.snapshottedTime}">`);
    for (const [v, bt] of d.mappings) out.push(`    <single_mapping origin_block="${v}" data_block="${bt.block}" time="${bt.time}"/>`);
    out.push('  </device>');
  }
  out.push('</superblock>', '');
  return out.join('\n');
}

// Per-type checks and write preparation of metadata blocks. Every persistent-data block type keeps
// its checksum at offset 0 and its own location at offset 8, so one validator shape fits all.
import { BITMAP_CSUM_XOR, BLOCK_SIZE, BTREE_CSUM_XOR, INDEX_CSUM_XOR, SUPERBLOCK_CSUM_XOR, blockChecksum } from './checksum.ts';

export interface BlockValidator {
  /** The kernel's name for the block type, used in error messages. */
  readonly name: string;
  readonly salt: number;
}

export const superblockValidator: BlockValidator = { name: 'superblock', salt: SUPERBLOCK_CSUM_XOR };
export const btreeNodeValidator: BlockValidator = { name: 'btree_node', salt: BTREE_CSUM_XOR };
export const bitmapValidator: BlockValidator = { name: 'sm_bitmap', salt: BITMAP_CSUM_XOR };
export const indexValidator: BlockValidator = { name: 'index', salt: INDEX_CSUM_XOR };

/** A block that failed validation: wrong location (the kernel's ENOTBLK) or bad checksum (EILSEQ). */
export class BlockValidationError extends Error {
  constructor(
    readonly block: number,
    readonly validator: string,
    readonly reason: 'blocknr' | 'checksum',
  ) {
    super(`${validator} check failed for block ${block}: ${reason === 'blocknr' ? 'blocknr wrong' : 'checksum wrong'}`);
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Stamps the block's location and checksum, as the kernel's prepare_for_write hooks do. */
export function prepareForWrite(v: BlockValidator, block: number, data: Uint8Array): void {
  const dv = view(data);
  dv.setBigUint64(8, BigInt(block), true);
  dv.setUint32(0, blockChecksum(data, v.salt), true);
}

export function checkBlock(v: BlockValidator, block: number, data: Uint8Array): void {
  if (data.length !== BLOCK_SIZE) throw new RangeError(`metadata block ${block} is ${data.length} bytes`);
  const dv = view(data);
  if (dv.getBigUint64(8, true) !== BigInt(block)) throw new BlockValidationError(block, v.name, 'blocknr');
  if (dv.getUint32(0, true) !== blockChecksum(data, v.salt)) throw new BlockValidationError(block, v.name, 'checksum');
}

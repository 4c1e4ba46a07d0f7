// The fields of an ext2/3/4 superblock that fsadm reads through `tune2fs -l`: block size and
// count (to turn a size into a block count for resize2fs) and the last mount and check times (a
// filesystem mounted since its last check gets `fsck -f`). Reading them here spares parsing
// tune2fs's localised dates.
import { view } from './bytes.ts';

export const EXT_SUPERBLOCK_OFFSET = 1024;
export const EXT_SUPERBLOCK_SIZE = 1024;
const EXT_MAGIC = 0xef53;
const INCOMPAT_64BIT = 0x80;

export interface ExtSuperblock {
  blockSize: number;
  blockCount: number;
  /** Unix seconds; 0 when never mounted (tune2fs prints "n/a"). */
  mountTime: number;
  lastCheck: number;
}

/** Parses the 1024 bytes at EXT_SUPERBLOCK_OFFSET; undefined when they are no ext superblock. */
export function parseExtSuperblock(sb: Uint8Array): ExtSuperblock | undefined {
  if (sb.length < EXT_SUPERBLOCK_SIZE) return undefined;
  const dv = view(sb);
  if (dv.getUint16(0x38, true) !== EXT_MAGIC) return undefined;
  const logBlockSize = dv.getUint32(0x18, true);
  // Block sizes run from 1 KiB to 64 KiB; anything else is a damaged or foreign superblock.
  if (logBlockSize > 6) return undefined;
  const is64 = (dv.getUint32(0x60, true) & INCOMPAT_64BIT) !== 0;
  const countHi = is64 ? dv.getUint32(0x150, true) : 0;
  // The *_hi bytes (ext4, past 2038) extend the 32-bit times as ext2fs_get_tstamp does.
  return {
    blockSize: 1024 << logBlockSize,
    blockCount: countHi * 2 ** 32 + dv.getUint32(0x04, true),
    mountTime: dv.getUint8(0x275) * 2 ** 32 + dv.getUint32(0x2c, true),
    lastCheck: dv.getUint8(0x277) * 2 ** 32 + dv.getUint32(0x40, true),
  };
}

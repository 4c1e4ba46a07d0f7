// Filesystem and other signatures that pvcreate/lvcreate offer to wipe (the common part of blkid's list).
export interface Signature {
  type: string;
  /** Byte offset of the magic, as blkid/lvm2 report it. */
  offset: number;
  length: number;
}

interface Probe {
  type: string;
  offset: number;
  magic: number[];
}

const PROBES: Probe[] = [
  { type: 'ext4', offset: 1080, magic: [0x53, 0xef] },
  { type: 'xfs', offset: 0, magic: [0x58, 0x46, 0x53, 0x42] },
  { type: 'swap', offset: 4086, magic: [...'SWAPSPACE2'].map((c) => c.charCodeAt(0)) },
  { type: 'btrfs', offset: 65600, magic: [...'_BHRfS_M'].map((c) => c.charCodeAt(0)) },
];

/** Scans the first 68 KiB for known magics; ext2/3/4 are told apart the way blkid does (feature flags). */
export function findSignatures(head: Uint8Array): Signature[] {
  const out: Signature[] = [];
  for (const p of PROBES) {
    if (p.offset + p.magic.length > head.length) continue;
    if (!p.magic.every((b, i) => head[p.offset + i] === b)) continue;
    let type = p.type;
    if (type === 'ext4') {
      const dv = new DataView(head.buffer, head.byteOffset + 1024, 1024);
      const compat = dv.getUint32(0x5c, true);
      const incompat = dv.getUint32(0x60, true);
      const hasJournal = (compat & 0x4) !== 0;
      type = incompat & ~0x2 & 0xffff ? 'ext4' : hasJournal ? 'ext3' : 'ext2';
      if (incompat & 0x40 || incompat & 0x80 || incompat & 0x200) type = 'ext4';
    }
    out.push({ type, offset: p.offset, length: p.magic.length });
  }
  return out;
}

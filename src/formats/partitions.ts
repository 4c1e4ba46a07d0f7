// MBR and GPT partition tables, read so that a partition of a disk image can be a PV (`disk.img:p1`).
export interface Partition {
  /** 1-based, as in /dev/sdb1. */
  index: number;
  /** Byte offset and length on the disk. */
  offset: number;
  length: number;
}

const SECTOR = 512;

function gpt(head: Uint8Array, entries: Uint8Array): Partition[] {
  const dv = new DataView(head.buffer, head.byteOffset + SECTOR, SECTOR);
  const count = dv.getUint32(80, true);
  const size = dv.getUint32(84, true);
  const out: Partition[] = [];
  const ev = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
  for (let i = 0; i < count && (i + 1) * size <= entries.length; i++) {
    const base = i * size;
    let used = false;
    for (let k = 0; k < 16; k++) if (entries[base + k]) used = true;
    if (!used) continue;
    const first = Number(ev.getBigUint64(base + 32, true));
    const last = Number(ev.getBigUint64(base + 40, true));
    if (last >= first) out.push({ index: i + 1, offset: first * SECTOR, length: (last - first + 1) * SECTOR });
  }
  return out;
}

/** Where the GPT entry array is (byte offset, length), when sector 1 holds a GPT header. */
export function gptEntryArea(head: Uint8Array): { offset: number; length: number } | undefined {
  if (head.length < 2 * SECTOR) return undefined;
  const sig = String.fromCharCode(...head.subarray(SECTOR, SECTOR + 8));
  if (sig !== 'EFI PART') return undefined;
  const dv = new DataView(head.buffer, head.byteOffset + SECTOR, SECTOR);
  const lba = Number(dv.getBigUint64(72, true));
  const count = dv.getUint32(80, true);
  const size = dv.getUint32(84, true);
  if (size < 128 || count > 4096) return undefined;
  return { offset: lba * SECTOR, length: count * size };
}

/**
 * Partitions of a disk from its first sectors (and, for GPT, the entry array the caller read with
 * gptEntryArea). undefined when there is no partition table.
 */
export function readPartitions(head: Uint8Array, gptEntries?: Uint8Array): Partition[] | undefined {
  if (head.length < SECTOR || head[510] !== 0x55 || head[511] !== 0xaa) return undefined;
  const dv = new DataView(head.buffer, head.byteOffset, SECTOR);
  const mbr: Partition[] = [];
  let protective = false;
  for (let i = 0; i < 4; i++) {
    const e = 446 + 16 * i;
    const type = head[e + 4]!;
    const start = dv.getUint32(e + 8, true);
    const sectors = dv.getUint32(e + 12, true);
    if (type === 0xee) protective = true;
    if (type !== 0 && sectors > 0) mbr.push({ index: i + 1, offset: start * SECTOR, length: sectors * SECTOR });
  }
  if (protective && gptEntries) return gpt(head, gptEntries);
  // A boot sector with no partitions (a filesystem's VBR) is not a partition table.
  return mbr.length ? mbr : undefined;
}

/** `disk.img:p2` → { disk: 'disk.img', index: 2 } */
export function splitPartitionName(name: string): { disk: string; index: number } | undefined {
  const m = /^(.+):p(\d+)$/.exec(name);
  return m ? { disk: m[1]!, index: parseInt(m[2]!, 10) } : undefined;
}

/** An MBR with primary partitions (type 0x8e, Linux LVM), as `parted mkpart primary` would write. */
export function encodeMbr(parts: { offset: number; length: number }[]): Uint8Array {
  const b = new Uint8Array(512);
  const dv = new DataView(b.buffer);
  parts.slice(0, 4).forEach((p, i) => {
    const e = 446 + 16 * i;
    b[e + 4] = 0x8e;
    // CHS fields unused (LBA only), as modern tools write them for large disks.
    b[e + 1] = 0xfe;
    b[e + 2] = 0xff;
    b[e + 3] = 0xff;
    b[e + 5] = 0xfe;
    b[e + 6] = 0xff;
    b[e + 7] = 0xff;
    dv.setUint32(e + 8, p.offset / 512, true);
    dv.setUint32(e + 12, p.length / 512, true);
  });
  dv.setUint32(440, 0x756c766d, true); // disk signature "mvlu"
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

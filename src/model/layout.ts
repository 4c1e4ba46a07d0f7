// Where pvcreate puts the metadata areas and the first extent, and how many extents fit (lvm2's math).
export const SECTOR = 512;
export const PAGE_SIZE = 4096;
export const DEFAULT_MDA_SECTORS = 2040;
export const DEFAULT_PE_ALIGN_SECTORS = 2048;
export const MDA_SIZE_MIN = 8 * PAGE_SIZE;
export const DEFAULT_EXTENT_SECTORS = 8192;
export const PV_MIN_SIZE_SECTORS = 4096;

export interface PvLayoutRequest {
  devSectors: number;
  /** Requested metadata area size in sectors (default 2040). */
  metadataSectors?: number;
  /** Data alignment in sectors (default 2048 = 1 MiB). */
  dataAlignment?: number;
  dataAlignmentOffset?: number;
  metadataCopies?: 0 | 1 | 2;
}

export interface PvLayout {
  /** Metadata areas in bytes: absolute offset and size. */
  mdas: { offset: number; size: number }[];
  /** First PE in sectors. */
  peStart: number;
}

export function pvLayout(req: PvLayoutRequest): PvLayout {
  const align = (req.dataAlignment ?? DEFAULT_PE_ALIGN_SECTORS) * SECTOR;
  const alignOffset = (req.dataAlignmentOffset ?? 0) * SECTOR;
  const copies = req.metadataCopies ?? 1;
  const disk = req.devSectors * SECTOR;
  const want = (req.metadataSectors ?? DEFAULT_MDA_SECTORS) * SECTOR;
  if (copies === 0) return { mdas: [], peStart: (align + alignOffset) / SECTOR };
  const start0 = PAGE_SIZE;
  let size0 = want;
  const end = start0 + size0;
  if (align && end % align !== 0) {
    const padded = Math.ceil(end / align) * align - start0;
    if (start0 + padded <= disk) size0 = padded;
  }
  size0 += alignOffset;
  const mdas = [{ offset: start0, size: size0 }];
  const peStart = (start0 + size0) / SECTOR;
  if (copies === 2) {
    let start1 = disk - want;
    if (align && start1 % align !== 0) start1 = Math.floor(start1 / align) * align;
    if (start1 >= peStart * SECTOR) mdas.push({ offset: start1, size: disk - start1 });
  }
  return { mdas, peStart };
}

/** Extents that fit on a PV joining a VG: pe_count = floor((dev − pe_start − mda1) / extent). */
export function peCount(devSectors: number, peStart: number, extentSize: number, secondMdaBytes = 0): number {
  const usable = devSectors - peStart - secondMdaBytes / SECTOR;
  return usable > 0 ? Math.floor(usable / extentSize) : 0;
}

/** lvm2's rule for extent sizes: a power of two, or a multiple of 128 KiB. */
export function extentSizeProblem(sectors: number): string | undefined {
  if (sectors <= 0) return 'Physical extent size may not be zero';
  const pow2 = (sectors & (sectors - 1)) === 0;
  if (!pow2 && sectors % 256 !== 0) return 'Physical Extent size must be a multiple of 128.00 KiB when not a power of 2.';
  if (sectors > 0xffffffff) return 'Physical extent size cannot be larger than 16.00 GiB.';
  return undefined;
}

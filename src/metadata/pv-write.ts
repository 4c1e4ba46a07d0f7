// pvcreate and pvremove on the device itself.
import type { DeviceOpener } from '../devices/device.ts';
import { encodeLabel, LABEL_SCAN_SECTORS, SECTOR_SIZE, PV_HEADER_EXTENSION_VSN, type PvLabel } from '../formats/label.ts';
import { encodeMdaHeader, EMPTY_LOCN } from '../formats/mda-header.ts';
import { pvLayout, type PvLayoutRequest } from '../model/layout.ts';

export interface PvCreateResult {
  label: PvLabel;
  peStart: number;
}

export function createPv(opener: DeviceOpener, path: string, pvId: string, req: Omit<PvLayoutRequest, 'devSectors'>, labelSector = 1): PvCreateResult {
  // Claimed for the whole write, as lvm2 keeps its exclusive descriptor: nobody mounts it meanwhile.
  const dev = opener.open(path, true, true);
  try {
    const devSectors = Math.floor(dev.size / SECTOR_SIZE);
    const layout = pvLayout({ ...req, devSectors });
    // Same order as lvm2: clear the new metadata areas, wipe old labels and the start of the device,
    // write empty mda headers, and only then the label that makes it a PV.
    for (const m of layout.mdas) dev.write(m.offset, new Uint8Array(Math.min(4096, m.size)));
    dev.write(0, new Uint8Array(LABEL_SCAN_SECTORS * SECTOR_SIZE));
    for (const m of layout.mdas) dev.write(m.offset, encodeMdaHeader({ start: m.offset, size: m.size, committed: EMPTY_LOCN, precommitted: EMPTY_LOCN }));
    dev.flush();
    const label: PvLabel = {
      sector: labelSector,
      pvId,
      deviceSize: devSectors * SECTOR_SIZE,
      dataAreas: [{ offset: layout.peStart * SECTOR_SIZE, size: 0 }],
      metadataAreas: layout.mdas,
      extVersion: PV_HEADER_EXTENSION_VSN,
      extFlags: 0,
      bootloaderAreas: [],
    };
    dev.write(labelSector * SECTOR_SIZE, encodeLabel(label));
    dev.flush();
    return { label, peStart: layout.peStart };
  } finally {
    dev.close();
  }
}

/** Zeroes every sector of the label window that holds a label. */
export function removePvLabel(opener: DeviceOpener, path: string): void {
  const dev = opener.open(path, true, true);
  try {
    const head = dev.read(0, LABEL_SCAN_SECTORS * SECTOR_SIZE);
    for (let s = 0; s < LABEL_SCAN_SECTORS; s++) {
      const sec = head.subarray(s * SECTOR_SIZE, (s + 1) * SECTOR_SIZE);
      if (new TextDecoder().decode(sec.subarray(0, 8)) === 'LABELONE') dev.write(s * SECTOR_SIZE, new Uint8Array(SECTOR_SIZE));
    }
    dev.flush();
  } finally {
    dev.close();
  }
}

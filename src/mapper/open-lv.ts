// Opening an LV's mapped device in-process, without the daemon: the library path to LV data.
import { AsyncFileDevice, SyncAdapter, type AsyncBlockDevice } from '../devices/async.ts';
import type { DeviceOpener } from '../devices/device.ts';
import { fileOpener } from '../devices/file.ts';
import type { FoundVg } from '../metadata/scan.ts';
import { dmName } from '../model/names.ts';
import { lvTable } from './lv-table.ts';
import { MappedDevice } from './mapped-device.ts';

export interface OpenedLv {
  device: MappedDevice;
  close(): Promise<void>;
}

/** Maps `lvName` of a scanned VG onto its PV devices (files and block devices through async I/O). */
export async function openLv(found: FoundVg, lvName: string, opts: { opener?: DeviceOpener; readOnly?: boolean } = {}): Promise<OpenedLv> {
  const lv = found.vg.lvs.find((l) => l.name === lvName);
  if (!lv) throw new Error(`Failed to find logical volume "${found.vg.name}/${lvName}"`);
  const devices = new Map<string, AsyncBlockDevice>();
  const opened: AsyncBlockDevice[] = [];
  try {
    for (const [pvId, sd] of found.pvDevices) {
      const dev = !opts.opener || opts.opener === fileOpener ? await AsyncFileDevice.open(sd.path, !opts.readOnly) : new SyncAdapter(opts.opener.open(sd.path, !opts.readOnly));
      devices.set(pvId, dev);
      opened.push(dev);
    }
    const readOnly = opts.readOnly || !lv.status.includes('WRITE');
    const device = new MappedDevice(dmName(found.vg.name, lv.name), lvTable(found.vg, lv, devices, readOnly));
    return { device, close: async () => void (await Promise.all(opened.map((d) => d.close()))) };
  } catch (e) {
    await Promise.all(opened.map((d) => d.close()));
    throw e;
  }
}

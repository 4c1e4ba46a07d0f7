// lvmdevices: list, add and remove entries of the devices file.
import type { Ctx } from '../ops/context.ts';
import { scanDevice } from '../metadata/scan.ts';

export async function run(ctx: Ctx): Promise<number> {
  const add = ctx.opt('adddev');
  const del = ctx.opt('deldev');
  if (add !== undefined) {
    const name = ctx.deviceName(add);
    if (!ctx.opener.exists(name)) {
      ctx.error(`Device not found: ${name}`);
      return 5;
    }
    const sd = scanDevice(ctx.opener, name);
    ctx.addToDevicesFile([{ name, ...(sd.label ? { pvId: sd.label.pvId } : {}) }]);
    return 0;
  }
  if (del !== undefined) {
    const name = ctx.deviceName(del);
    if (!ctx.devicesFileEntries().some((e) => e.devName === name)) {
      ctx.error(`Device not found in devices file: ${name}`);
      return 5;
    }
    ctx.removeFromDevicesFile([name]);
    return 0;
  }
  for (const e of ctx.devicesFileEntries()) ctx.output(`  Device ${e.devName} IDTYPE=${e.idType} IDNAME=${e.idName} DEVNAME=${e.devName} PVID=${e.pvId ?? 'none'}\n`);
  return 0;
}

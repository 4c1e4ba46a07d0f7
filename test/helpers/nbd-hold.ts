// A minimal NBD client that negotiates an export with NBD_OPT_GO and then just keeps the
// connection open: an LV "in use", as a mounted filesystem would keep it.
import { connect, type Socket } from 'node:net';

export async function holdExport(socketPath: string, name: string): Promise<Socket> {
  const s = connect(socketPath);
  let buf = Buffer.alloc(0);
  const need = (n: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const tryTake = () => {
        if (buf.length >= n) {
          const out = buf.subarray(0, n);
          buf = buf.subarray(n);
          s.off('data', onData);
          resolve(out);
        }
      };
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        tryTake();
      };
      s.on('data', onData);
      s.once('error', reject);
      tryTake();
    });
  await new Promise<void>((r) => s.once('connect', () => r()));
  await need(18);
  const flags = Buffer.alloc(4);
  flags.writeUInt32BE(3);
  s.write(flags);
  const nameB = Buffer.from(name);
  const data = Buffer.alloc(4 + nameB.length + 2);
  data.writeUInt32BE(nameB.length, 0);
  nameB.copy(data, 4);
  const opt = Buffer.alloc(16);
  opt.write('IHAVEOPT', 0, 'latin1');
  opt.writeUInt32BE(7, 8);
  opt.writeUInt32BE(data.length, 12);
  s.write(Buffer.concat([opt, data]));
  for (;;) {
    const h = await need(20);
    const type = h.readUInt32BE(12);
    await need(h.readUInt32BE(16));
    if (type === 1) return s;
    if (type & 0x80000000) throw new Error(`export ${name} refused (${type.toString(16)})`);
  }
}

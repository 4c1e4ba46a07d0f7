// An NBD server: every export is a block target (an active LV); clients on a Unix socket or TCP.
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { NbdConnection, type ExportTable, type NbdExport } from './connection.ts';

export class NbdServer implements ExportTable {
  private readonly exportsByName = new Map<string, NbdExport>();
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(private readonly log: (msg: string) => void = () => undefined) {}

  add(exp: NbdExport): void {
    this.exportsByName.set(exp.name, exp);
  }

  remove(name: string): void {
    this.exportsByName.delete(name);
  }

  get(name: string): NbdExport | undefined {
    return this.exportsByName.get(name);
  }

  list(): NbdExport[] {
    return [...this.exportsByName.values()];
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay?.(true);
    socket.on('close', () => this.sockets.delete(socket));
    void new NbdConnection(socket, this, this.log).serve();
  }

  /** Listens on a Unix socket path, or on a TCP port of the loopback interface. */
  listen(where: { path: string } | { port: number; host?: string }): Promise<void> {
    const server = createServer((s) => this.accept(s));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      if ('path' in where) {
        rmSync(where.path, { force: true });
        server.listen(where.path, () => resolve());
      } else server.listen(where.port, where.host ?? '127.0.0.1', () => resolve());
    });
  }

  address(i = 0): ReturnType<Server['address']> {
    return this.servers[i]!.address();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

// The process's two streams and its stdin, as lvm2 uses them: messages go out in program order
// (fd writes are synchronous), prompts are answered line by line from stdin.
import { readSync, writeSync } from 'node:fs';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** One line from stdin without its newline; null at end of input. */
  readLine(): string | null;
}

export class ProcessIo implements Io {
  private pending = '';
  private eof = false;
  out(text: string): void {
    writeAll(1, text);
  }
  err(text: string): void {
    writeAll(2, text);
  }
  readLine(): string | null {
    const buf = Buffer.alloc(1);
    for (;;) {
      const nl = this.pending.indexOf('\n');
      if (nl >= 0) {
        const line = this.pending.slice(0, nl);
        this.pending = this.pending.slice(nl + 1);
        return line;
      }
      if (this.eof) {
        if (this.pending === '') return null;
        const line = this.pending;
        this.pending = '';
        return line;
      }
      let n = 0;
      try {
        n = readSync(0, buf, 0, 1, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        n = 0;
      }
      if (n === 0) this.eof = true;
      else this.pending += buf.toString('latin1', 0, n);
    }
  }
}

function writeAll(fd: number, text: string): void {
  const b = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < b.length) {
    try {
      off += writeSync(fd, b, off, b.length - off);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') return;
      throw e;
    }
  }
}

/** In-memory streams for tests and the library path. */
export class BufferIo implements Io {
  stdout = '';
  stderr = '';
  interleaved = '';
  private lines: string[];
  private trailing: boolean;
  constructor(stdin = '') {
    this.trailing = stdin !== '' && !stdin.endsWith('\n');
    this.lines = stdin === '' ? [] : stdin.split('\n');
    if (!this.trailing && this.lines.length) this.lines.pop();
  }
  out(text: string): void {
    this.stdout += text;
    this.interleaved += text;
  }
  err(text: string): void {
    this.stderr += text;
    this.interleaved += text;
  }
  readLine(): string | null {
    return this.lines.length ? this.lines.shift()! : null;
  }
}

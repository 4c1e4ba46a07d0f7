// Writes to an overlay that touch the same blocks run one after the other, in arrival order: a
// partial block is read, patched and written back, and a write landing in between would be lost.
// Only writes in flight are held (NBD keeps at most a few dozen per client), so a list will do.
interface Held {
  start: number;
  end: number;
  done: Promise<void>;
}

export class RangeLock {
  private held: Held[] = [];

  /** Runs `f` once every earlier holder of a range overlapping [start, end) has finished. */
  async with<T>(start: number, end: number, f: () => Promise<T>): Promise<T> {
    const before = this.held.filter((h) => h.start < end && start < h.end).map((h) => h.done);
    let release!: () => void;
    const me: Held = { start, end, done: new Promise<void>((r) => (release = r)) };
    this.held.push(me);
    try {
      await Promise.all(before);
      return await f();
    } finally {
      this.held = this.held.filter((h) => h !== me);
      release();
    }
  }

  /** Resolves once every range held now has been released. */
  async idle(): Promise<void> {
    await Promise.all(this.held.map((h) => h.done));
  }

  get size(): number {
    return this.held.length;
  }
}

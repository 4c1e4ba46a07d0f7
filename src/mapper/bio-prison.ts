// The kernel's bio prison (dm-bio-prison) reduced to what an async data path needs: one holder per
// key (a thin device's virtual block, or a pool data block) at a time, later comers waiting in
// arrival order. It holds only the cells of requests in flight, so it never grows with the pool.
export class BioPrison {
  private readonly cells = new Map<string, Promise<void>>();

  /** Runs `f` while holding the cell of `key`. */
  async detain<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = this.cells.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before ? before.then(() => mine) : mine;
    this.cells.set(key, tail);
    try {
      if (before) await before;
      return await f();
    } finally {
      release();
      if (this.cells.get(key) === tail) this.cells.delete(key);
    }
  }

  /** Cells held or waited for, for tests that check nothing leaks. */
  get size(): number {
    return this.cells.size;
  }
}

// The kernel's bio prison (dm-bio-prison) reduced to what an async data path needs: one holder per
// key (a thin device's virtual block, or a pool data block) at a time, later comers waiting in
// arrival order. It holds only the cells of requests in flight, so it never grows with the pool.
//
// I/O to a block that is mapped and needs nothing done first (the kernel remaps such bios without a
// cell) may share the key instead: any number of sharers at a time, while no one holds or waits for
// the cell; a holder waits until the sharers are gone, so no block is unmapped or reused under them.
interface Sharers {
  n: number;
  gone?: Promise<void>;
  drained?: () => void;
}

export class BioPrison {
  private readonly cells = new Map<string, Promise<void>>();
  private readonly sharers = new Map<string, Sharers>();

  /** Joins the sharers of `key`; false (nothing joined) while its cell is held or waited for. */
  share(key: string): boolean {
    if (this.cells.has(key)) return false;
    const s = this.sharers.get(key);
    if (s) s.n++;
    else this.sharers.set(key, { n: 1 });
    return true;
  }

  /** Leaves the sharers of `key` (after a share() that returned true). */
  unshare(key: string): void {
    const s = this.sharers.get(key)!;
    if (--s.n) return;
    this.sharers.delete(key);
    s.drained?.();
  }

  private sharersGone(key: string): Promise<void> | undefined {
    const s = this.sharers.get(key);
    if (!s) return undefined;
    return (s.gone ??= new Promise((r) => (s.drained = r)));
  }

  /** Runs `f` while holding the cell of `key`. */
  async detain<T>(key: string, f: () => Promise<T>): Promise<T> {
    const before = this.cells.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before ? before.then(() => mine) : mine;
    this.cells.set(key, tail);
    try {
      if (before) await before;
      // The cell is set: no new sharer comes; those in flight finish first.
      const gone = this.sharersGone(key);
      if (gone) await gone;
      return await f();
    } finally {
      release();
      if (this.cells.get(key) === tail) this.cells.delete(key);
    }
  }

  /** Cells held or waited for, and keys shared, for tests that check nothing leaks. */
  get size(): number {
    return this.cells.size + this.sharers.size;
  }
}

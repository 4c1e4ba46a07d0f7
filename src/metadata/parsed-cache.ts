// Parsed VG metadata kept between commands in $ULVM_RUN_DIR/cache, keyed by VG id, seqno and the
// text's checksum and size (as the mda header records them). A command still reads and verifies
// every metadata copy; only the parse of a large, unchanged text is skipped (JSON.parse is native
// and many times faster than parsing lvm2's text in a freshly started process). Like lvm2's hints,
// it is only an accelerator: entries that do not parse or do not match are ignored.
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VolumeGroup } from '../model/types.ts';
import type { ScannedMda } from './scan.ts';

/** Below this size the text parser is as quick as reading a cache file. */
const MIN_TEXT = 32 * 1024;

export class ParsedCache {
  constructor(private readonly dir: string) {}

  private static fileName(vgId: string, seqno: number, checksum: number, size: number): string {
    return `${vgId}-${seqno}-${checksum.toString(16)}-${size}.json`;
  }

  get(mda: ScannedMda, parse: () => VolumeGroup): VolumeGroup {
    const c = mda.header?.committed;
    const text = mda.text;
    if (!c || !text || text.length < MIN_TEXT || !mda.vgId || mda.seqno === undefined) return parse();
    const name = ParsedCache.fileName(mda.vgId, mda.seqno, c.checksum, c.size);
    const file = join(this.dir, name);
    try {
      const vg = JSON.parse(readFileSync(file, 'utf8')) as VolumeGroup;
      if (vg.id === mda.vgId && vg.seqno === mda.seqno) return vg;
    } catch {
      /* not cached yet */
    }
    const vg = parse();
    this.store(name, vg);
    return vg;
  }

  /**
   * Records the VG a command has just committed, so that the next command does not parse it.
   * Export then import is the identity on the model (tested), so the entry equals what a parse
   * of the committed text gives.
   */
  put(vg: VolumeGroup, checksum: number, size: number): void {
    if (size < MIN_TEXT) return;
    this.store(ParsedCache.fileName(vg.id, vg.seqno, checksum, size), vg);
  }

  private store(name: string, vg: VolumeGroup): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      for (const f of readdirSync(this.dir)) if (f.startsWith(`${vg.id}-`) && f !== name) unlinkSync(join(this.dir, f));
      const file = join(this.dir, name);
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(vg), { mode: 0o600 });
      renameSync(tmp, file);
    } catch {
      /* a read-only run dir only costs speed */
    }
  }
}

// dmeventd's thin pool plugin (daemons/dmeventd/plugins/thin/dmeventd_thin.c process_event), run
// by the daemon on every watch round for each active pool: the "data is now N% full" and
// "metadata is now N% full" warnings above 80%, and the policy command (lvextend --usepolicies)
// each time use passes the next 5% step above 50%, retried with a growing back-off when it fails.
import type { ActivationEngine } from '../activation/engine.ts';
import { parseThinPoolStatus } from '../segtypes/thin-status.ts';
import { cFixed } from '../report/units.ts';

/** dm_percent_t: 1e-6 %. */
const PERCENT_1 = 1_000_000;
const WARNING_THRESH = 80 * PERCENT_1;
const CHECK_MINIMUM = 50 * PERCENT_1;
const CHECK_STEP = 5 * PERCENT_1;
const MAX_FAILS = 256;

interface PoolState {
  dataCheck: number;
  metaCheck: number;
  knownData: number;
  knownMeta: number;
  fails: number;
  maxFails: number;
}

/** dm_make_percent in its own units. */
function percentUnits(n: number, d: number): number {
  const full = 100 * PERCENT_1;
  if (d === 0 || n === d) return full;
  if (n === 0) return 0;
  const p = Math.trunc((full * n) / d);
  return p <= 0 ? 1 : p >= full ? full - 1 : p;
}

export type PoolExtender = (vgName: string, poolName: string, devices: string[]) => Promise<{ rc: number; messages: string[] }>;

export class ThinPoolWatch {
  private readonly states = new Map<string, PoolState>();

  constructor(
    private readonly engine: ActivationEngine,
    private readonly extend: PoolExtender,
    private readonly log: (m: string) => void,
  ) {}

  /** One round over the active pools. */
  async round(): Promise<void> {
    const seen = new Set<string>();
    for (const p of this.engine.activePools()) {
      const key = `${p.vgId}/${p.lvId}`;
      seen.add(key);
      const s = parseThinPoolStatus(p.status);
      if (!s || s.fail) continue;
      let st = this.states.get(key);
      if (!st) {
        st = { dataCheck: CHECK_MINIMUM, metaCheck: CHECK_MINIMUM, knownData: s.totalData, knownMeta: s.totalMetadata, fails: 0, maxFails: 1 };
        this.states.set(key, st);
      }
      if (st.knownMeta !== s.totalMetadata) {
        st.metaCheck = CHECK_MINIMUM;
        st.knownMeta = s.totalMetadata;
        st.fails = 0;
      }
      if (st.knownData !== s.totalData) {
        st.dataCheck = CHECK_MINIMUM;
        st.knownData = s.totalData;
        st.fails = 0;
      }
      let needsPolicy = false;
      const step = (used: number, total: number, what: 'data' | 'metadata', check: number): number => {
        const pct = percentUnits(used, total);
        if (pct > WARNING_THRESH && pct > check) this.log(`WARNING: Thin pool ${p.dmName} ${what} is now ${cFixed(pct / PERCENT_1, 2)}% full.`);
        if (pct <= CHECK_MINIMUM) return CHECK_MINIMUM;
        if (pct > check) needsPolicy = true;
        const next = (Math.floor(pct / CHECK_STEP) + 1) * CHECK_STEP;
        return next === 100 * PERCENT_1 ? next - 1 : next;
      };
      st.metaCheck = step(s.usedMetadata, s.totalMetadata, 'metadata', st.metaCheck);
      st.dataCheck = step(s.usedData, s.totalData, 'data', st.dataCheck);
      if (st.fails) {
        if (st.fails++ <= st.maxFails) continue;
        if (st.maxFails < MAX_FAILS) st.maxFails *= 2;
        st.fails = 1;
        needsPolicy = true;
      } else st.maxFails = 1;
      if (!needsPolicy) continue;
      const r = await this.extend(p.vgName, p.lvName, p.devices);
      for (const line of r.messages) if (line.trim()) this.log(line.trim());
      if (r.rc !== 0) {
        this.log(`Failed command for ${p.dmName}.`);
        st.fails ||= 1;
      } else st.fails = 0;
    }
    for (const k of this.states.keys()) if (!seen.has(k)) this.states.delete(k);
  }
}

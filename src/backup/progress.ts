// Progress of a long backup or restore: a bar with bytes, rate and ETA on a terminal (cli-progress),
// one JSON object per line otherwise (at most one a second, and the last), for scripts and agents.
import cliProgress from 'cli-progress';
import { displaySize } from '../report/units.ts';

export interface ProgressSink {
  update(phase: string, done: number, total: number): void;
  stop(): void;
}

const human = (b: number) => displaySize(b / 512);

export function progressSink(mode: 'auto' | 'bar' | 'json' | 'none', stream: NodeJS.WriteStream | { write(s: string): unknown }, isTty: boolean, label: string): ProgressSink {
  const m = mode === 'auto' ? (isTty ? 'bar' : 'json') : mode;
  if (m === 'none') return { update() {}, stop() {} };
  const started = Date.now();
  if (m === 'json') {
    let last = 0;
    let pending: string | undefined;
    return {
      update(phase, done, total) {
        const t = Date.now();
        const secs = (t - started) / 1000;
        const rate = secs > 0 ? done / secs : 0;
        pending = JSON.stringify({ progress: label, phase, bytes_done: done, bytes_total: total, rate_bytes_per_s: Math.round(rate), eta_s: rate > 0 && total > done ? Math.round((total - done) / rate) : 0 }) + '\n';
        if (t - last >= 1000) {
          stream.write(pending);
          pending = undefined;
          last = t;
        }
      },
      stop() {
        if (pending) stream.write(pending);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `  ${label} [{bar}] {percentage}% | {doneH} of {totalH} | {rateH}/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let begun = false;
  return {
    update(_phase, done, total) {
      const secs = (Date.now() - started) / 1000;
      const payload = { doneH: human(done), totalH: human(total), rateH: human(secs > 0 ? done / secs : 0) };
      if (!begun) {
        bar.start(Math.max(1, total), done, payload);
        begun = true;
      } else {
        bar.setTotal(Math.max(1, total));
        bar.update(done, payload);
      }
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}

// lvm2's block_signals/unblock_signals: while a command has the kernel's devices in a state that
// must not be left half done (an origin suspended, its filesystem frozen), SIGINT and SIGTERM
// wait. Here they are held back until the command releases them, then delivered as they came
// (the process then ends as the signal says), so the thaw always comes first.
const HELD = ['SIGINT', 'SIGTERM'] as const;
type Held = (typeof HELD)[number];

export function blockSignals(): () => void {
  let pending: Held | undefined;
  const handlers = HELD.map((sig) => [sig, () => (pending ??= sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  return () => {
    for (const [sig, h] of handlers) process.off(sig, h);
    // With no other listener left, the default action ends the process.
    if (pending) process.kill(process.pid, pending);
  };
}

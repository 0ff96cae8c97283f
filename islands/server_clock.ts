/**
 * The server's clock in the browser. Every time the dashboard shows was taken by the server (last seen, a
 * session's start), so a duration counted to the browser's own clock is off by as much as a laptop's clock
 * is: minutes, or "—" for a clock behind. A page carries the server's now (`generatedAt`); the offset to the
 * browser's clock is taken once, when the island hydrates, and durations tick on from there (off by the
 * page's load time at most).
 */
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The server's now, in epoch ms: the page's `serverNow` when rendered and hydrated, then every `everyMs`
 * while `ticking`, the browser's clock moved by the offset taken at hydration.
 */
export function useServerNow(serverNow: string, options: { everyMs: number; ticking?: boolean }): number {
  const rendered = Date.parse(serverNow);
  const offset = useRef<number | null>(null);
  // Taken at the first render: on the server it is ~0 and unused, in the browser it is the hydration's.
  if (offset.current === null) offset.current = rendered - Date.now();
  const [now, setNow] = useState(rendered);
  const ticking = options.ticking ?? true;
  useEffect(() => {
    if (!ticking) return;
    const read = () => setNow(Date.now() + (offset.current ?? 0));
    read();
    const timer = setInterval(read, options.everyMs);
    return () => clearInterval(timer);
  }, [ticking, options.everyMs]);
  return now;
}

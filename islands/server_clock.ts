/**
 * The server's clock in the browser. Every time the dashboard shows was taken by the server (last seen, a
 * session's start), so a duration counted to the browser's own clock is off by as much as a laptop's clock
 * is: minutes, or "—" for a clock behind. A page carries the server's now (`generatedAt`); the offset to the
 * browser's clock is taken once, when the island hydrates, and durations tick on from there (ahead by the
 * request's time at most).
 */
import { useEffect, useRef, useState } from "preact/hooks";

/**
 * The server's now, in epoch ms: the page's `serverNow` while it is rendered and hydrated, then read afresh at
 * each render (a station that went away a moment ago is not shown gone before the last tick), and rendered
 * again every `everyMs` while `ticking`, the browser's clock moved by the offset taken at hydration.
 */
export function useServerNow(serverNow: string, options: { everyMs: number; ticking?: boolean }): number {
  const rendered = Date.parse(serverNow);
  const offset = useRef<number | null>(null);
  // Taken at the first render (on the server it is unused) against the browser's clock when the page was
  // asked for, not at hydration: the page was made after that, so the server's now is read a little ahead
  // (by the request's time), never behind by the page's load time (a station seen just before it went away
  // would read offline for a negative time).
  if (offset.current === null) offset.current = rendered - (Date.now() - performance.now());
  const [hydrated, setHydrated] = useState(false);
  const [, setTick] = useState(0);
  const ticking = options.ticking ?? true;
  useEffect(() => setHydrated(true), []);
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setTick((n) => n + 1), options.everyMs);
    return () => clearInterval(timer);
  }, [ticking, options.everyMs]);
  return hydrated ? Date.now() + offset.current : rendered;
}

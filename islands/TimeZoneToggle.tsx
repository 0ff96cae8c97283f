/**
 * UTC or local time, for the whole page: every `<time datetime>` and every `[data-tz-label]` heading is
 * rewritten in the browser when local time is chosen, including those islands render later (a
 * MutationObserver). The choice is kept in localStorage. The server always renders UTC, so hydration agrees.
 */
import { useEffect, useState } from "preact/hooks";
import { formatLocalTime, formatTime } from "../components/format.ts";

const KEY = "csms:time-zone";
type Mode = "utc" | "local";

function zoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
  } catch {
    return "local";
  }
}

/** Writes `text` only when it differs (no mutation, so the observer does not loop). */
function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

function apply(mode: Mode, root: ParentNode = document): void {
  const zone = zoneName();
  for (const el of root.querySelectorAll("time[datetime]")) {
    const iso = el.getAttribute("datetime") ?? "";
    setText(el, mode === "local" ? formatLocalTime(iso) : formatTime(iso));
  }
  for (const el of root.querySelectorAll("[data-tz-label]")) setText(el, mode === "local" ? zone : "UTC");
}

export function storedMode(): Mode {
  try {
    return localStorage.getItem(KEY) === "local" ? "local" : "utc";
  } catch {
    return "utc";
  }
}

/** No props: the choice lives in the browser. */
export default function TimeZoneToggle(_props: Record<string, never>) {
  // UTC until mounted, as the server rendered it.
  const [mode, setMode] = useState<Mode>("utc");

  useEffect(() => setMode(storedMode()), []);

  useEffect(() => {
    apply(mode);
    document.documentElement.dataset.timeZone = mode;
    if (mode !== "local") return;
    let queued = false;
    const observer = new MutationObserver(() => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        apply(mode);
      });
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [mode]);

  return (
    <label class="inline tz">
      Times
      <select
        name="timeZone"
        aria-label="Show times in"
        value={mode}
        onChange={(e) => {
          const next = e.currentTarget.value === "local" ? "local" : "utc";
          try {
            localStorage.setItem(KEY, next);
          } catch {
            // Private mode: the choice lasts for this page.
          }
          setMode(next);
        }}
      >
        <option value="utc">UTC</option>
        <option value="local">local ({typeof window === "undefined" ? "browser" : zoneName()})</option>
      </select>
    </label>
  );
}

/**
 * Formatting shared by pages and islands. Deterministic (UTC, no locale) so the server's HTML and the
 * browser's first render agree during hydration.
 */

/** `2026-11-25 10:00:03` (UTC), or an em dash for nothing. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 19).replace("T", " ");
}

/** Wh as kWh, 3 significant decimals for small amounts: `1.250 kWh`, `12.35 kWh`. */
export function formatEnergy(wh: number | null | undefined): string {
  if (wh === null || wh === undefined || !Number.isFinite(wh)) return "—";
  const kwh = wh / 1000;
  const digits = Math.abs(kwh) < 10 ? 3 : Math.abs(kwh) < 1000 ? 2 : 1;
  return `${kwh.toFixed(digits)} kWh`;
}

/** A query string from the set values only: `?a=1&b=x`, or "" when none. */
export function queryString(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Connector status -> the CSS colour family of its chip. */
export function statusTone(status: string): string {
  switch (status) {
    case "Available":
      return "ok";
    case "Charging":
      return "charging";
    case "Preparing":
    case "Finishing":
      return "transit";
    case "SuspendedEV":
    case "SuspendedEVSE":
      return "suspended";
    case "Faulted":
      return "fault";
    case "Reserved":
      return "reserved";
    default:
      return "off";
  }
}

/** `2026-11-25 11:00:03` in the browser's own time zone (the local-time option). */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/**
 * Alerts: stations offline longer than ATTENTION_OFFLINE_MIN (the overview's threshold, one for the dashboard
 * and the API), and Faulted connectors of online stations (an offline station's connectors show what they last
 * said, as on the overview). A pure function of what the store and the registry say.
 *
 * @example
 * ```ts
 * computeAlerts([{ id: "CP-1", online: false, lastSeen: "2026-01-01T00:00:00.000Z", registrationStatus: "Accepted", connectors: [] }],
 *   new Date("2026-01-01T01:00:00.000Z"), { offlineAfterMinutes: 15 });
 * // [{ kind: "offline", chargePointId: "CP-1", connectorId: null, since: "2026-01-01T00:00:00.000Z", detail: "offline for 60 min" }]
 * ```
 */
import type { ConnectorState } from "../model/charge_point.ts";

export interface AlertStation {
  id: string;
  online: boolean;
  lastSeen: string | null;
  registrationStatus: string | null;
  connectors: readonly ConnectorState[];
}

export interface Alert {
  kind: "offline" | "faulted";
  chargePointId: string;
  /** The Faulted connector (0: the whole station); null for offline. */
  connectorId: number | null;
  since: string;
  detail: string;
}

export function computeAlerts(
  stations: readonly AlertStation[],
  now: Date,
  settings: { offlineAfterMinutes: number },
): Alert[] {
  const out: Alert[] = [];
  const limitMs = settings.offlineAfterMinutes * 60_000;
  for (const s of stations) {
    // Stations nobody accepted are not the fleet's yet (they have their own list: pending registrations).
    if (s.registrationStatus !== "Accepted") continue;
    if (!s.online && s.lastSeen !== null) {
      const offlineMs = now.getTime() - Date.parse(s.lastSeen);
      if (offlineMs > limitMs) {
        out.push({
          kind: "offline",
          chargePointId: s.id,
          connectorId: null,
          since: s.lastSeen,
          detail: `offline for ${Math.floor(offlineMs / 60_000)} min`,
        });
      }
    }
    for (const c of s.online ? s.connectors : []) {
      if (c.status !== "Faulted") continue;
      out.push({
        kind: "faulted",
        chargePointId: s.id,
        connectorId: c.connectorId,
        since: c.timestamp,
        detail: [c.errorCode, c.info, c.vendorErrorCode].filter((x) => x !== undefined && x !== "").join(
          ", ",
        ),
      });
    }
  }
  // Longest-standing first.
  return out.sort((a, b) => a.since.localeCompare(b.since) || a.chargePointId.localeCompare(b.chargePointId));
}

/**
 * The current alerts (alerts.ts) over every station the store knows and that is in service, online from the
 * registry.
 */
import type { Registry } from "../actors/registry.ts";
import type { Store } from "../store/mod.ts";
import { type Alert, type AlertStation, computeAlerts } from "./alerts.ts";

export interface AlertListDeps {
  store: Pick<Store, "listChargePoints">;
  registry: Pick<Registry, "isConnected">;
  now: () => Date;
}

/** Stations read at most per request; beyond that `truncated` says the list may be incomplete. */
const MAX_STATIONS = 100_000;
const PAGE = 1000;

export async function listAlerts(
  deps: AlertListDeps,
  settings: { offlineAfterMinutes: number },
): Promise<{ alerts: Alert[]; truncated: boolean }> {
  const stations: AlertStation[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.listChargePoints({
      limit: PAGE,
      ...(after !== undefined ? { after } : {}),
    });
    for (const r of page) {
      // Decommissioned: offline on purpose, for good.
      if (r.decommissionedAt) continue;
      stations.push({
        id: r.id,
        online: deps.registry.isConnected(r.id),
        lastSeen: r.lastSeen,
        registrationStatus: r.registrationStatus,
        connectors: r.connectors,
      });
    }
    if (page.length < PAGE) break;
    if (stations.length >= MAX_STATIONS) {
      return { alerts: computeAlerts(stations, deps.now(), settings), truncated: true };
    }
    after = page.at(-1)!.id;
  }
  return { alerts: computeAlerts(stations, deps.now(), settings), truncated: false };
}

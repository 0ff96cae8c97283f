/**
 * Refuses work for a station this Central System does not know: a URL minted for an id no station has (a
 * typo) would wait for a station that never comes, and a decommissioned station is refused when it connects.
 *
 * @example
 * ```ts ignore
 * await refuseUnknownStation({ registry, store }, "CP-7"); // 404 unless stored or connected; 409 if out of service
 * ```
 */
import type { Registry } from "../../actors/registry.ts";
import type { Store } from "../../store/mod.ts";
import { ApiError } from "./http.ts";

export interface StationLookup {
  registry: Pick<Registry, "isConnected">;
  store: Pick<Store, "getChargePoint">;
}

/** 404 unless `id` is stored or connected (here or on another node); 409 when it is decommissioned. */
export async function refuseUnknownStation(lookup: StationLookup, id: string, field?: string): Promise<void> {
  const where = field === undefined ? { in: "path", field: "id" } : { in: "body", field };
  const record = await lookup.store.getChargePoint(id);
  if (record?.decommissionedAt) {
    throw new ApiError(409, "conflict", `Charge point "${id}" is decommissioned`, where);
  }
  if (record === null && !lookup.registry.isConnected(id)) {
    throw new ApiError(404, "not_found", `Charge point "${id}" is unknown`, where);
  }
}

/**
 * The dialects this server speaks on the one endpoint `/ocpp/{id}`: OCPP 2.0.1 and OCPP 1.6. A station
 * offering both gets the preferred one (the `PREFERRED_OCPP` setting, 2.0.1 by default); a station offering
 * one gets that one.
 */
import type { Store } from "../store/mod.ts";
import type { ActorDialect } from "./dialect.ts";
import { OCPP16_ACTOR } from "./ocpp16.ts";
import { OCPP201_ACTOR } from "./ocpp201.ts";
import type { Registry } from "./registry.ts";

export const ALL_DIALECTS: readonly ActorDialect[] = [OCPP201_ACTOR, OCPP16_ACTOR];

/**
 * Every dialect, `preferred` (a subprotocol) first.
 *
 * @example
 * ```ts
 * dialectsPreferring("ocpp1.6").map((d) => d.protocol.subprotocol); // ["ocpp1.6", "ocpp2.0.1"]
 * ```
 */
export function dialectsPreferring(preferred: string): readonly ActorDialect[] {
  const first = ALL_DIALECTS.filter((d) => d.protocol.subprotocol === preferred);
  return [...first, ...ALL_DIALECTS.filter((d) => d.protocol.subprotocol !== preferred)];
}

/** The dialect of a subprotocol, or null. */
export function dialectOf(subprotocol: string | null | undefined): ActorDialect | null {
  return ALL_DIALECTS.find((d) => d.protocol.subprotocol === subprotocol) ?? null;
}

/**
 * The dialect of station `id`: its live connection's, else the one it last connected with, else (never
 * connected) the first dialect that has `action`, so that it is refused as not connected rather than as
 * the wrong dialect.
 */
export async function dialectOfStation(
  options: { registry: Pick<Registry, "get">; store: Pick<Store, "getChargePoint"> },
  id: string,
  action: string,
) {
  const live = options.registry.get(id);
  if (live && !live.isStopping) return live.dialect;
  const stored = dialectOf((await options.store.getChargePoint(id))?.ocppVersion);
  if (stored) return stored;
  return Object.hasOwn(OCPP16_ACTOR.commands, action) ? OCPP16_ACTOR : OCPP201_ACTOR;
}

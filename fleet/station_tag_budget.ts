/**
 * How many different unknown tags one station may put on the operators' list. A station sees a few new cards
 * an hour; one presenting tag after tag (a faulty reader, a fuzzer, someone holding a station's key) would
 * otherwise push every real card off the list within seconds. Per station: the tags it presented lately (its
 * last `recent`) pass freely, so a driver retrying a card costs nothing; a tag new to it spends one of `burst`
 * tokens, refilled at one per `refillMs`. Stations are remembered up to `maxStations` (least recent dropped).
 *
 * @example
 * ```ts
 * const budget = new StationTagBudget({ burst: 1, refillMs: 60_000, recent: 4, maxStations: 100 });
 * budget.admit("CP-1", "card-a", 0); // true
 * budget.admit("CP-1", "card-a", 1); // true: presented lately
 * budget.admit("CP-1", "card-b", 2); // false: no token left
 * ```
 */
import { setMostRecent } from "../model/recency.ts";

interface Station {
  tokens: number;
  lastMs: number;
  /** Tag keys in the order last presented (a Set keeps insertion order). */
  recent: Set<string>;
}

export class StationTagBudget {
  readonly #stations = new Map<string, Station>();

  constructor(
    private readonly options: { burst: number; refillMs: number; recent: number; maxStations: number },
  ) {}

  /** Whether `chargePointId` may have `tagKey` listed at `nowMs`. */
  admit(chargePointId: string, tagKey: string, nowMs: number): boolean {
    const { burst, refillMs, recent, maxStations } = this.options;
    const before = this.#stations.get(chargePointId);
    const station = before ?? { tokens: burst, lastMs: nowMs, recent: new Set<string>() };
    if (before && nowMs > before.lastMs) {
      station.tokens = Math.min(burst, station.tokens + (nowMs - before.lastMs) / refillMs);
      station.lastMs = nowMs;
    }
    setMostRecent(this.#stations, chargePointId, station, maxStations);
    if (station.recent.delete(tagKey)) {
      station.recent.add(tagKey);
      return true;
    }
    if (station.tokens < 1) return false;
    station.tokens -= 1;
    station.recent.add(tagKey);
    if (station.recent.size > recent) station.recent.delete(station.recent.values().next().value!);
    return true;
  }
}

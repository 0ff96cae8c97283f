/**
 * A Map used as a bounded recency list (a Map iterates in insertion order): remembered entries for lookups,
 * per-address counters. Keeps memory bounded against many keys (stations, attacking addresses) without a
 * cache library for five one-line uses.
 */

/** Stores `value` under `key` as the most recent entry and drops the least recent ones beyond `max`. */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

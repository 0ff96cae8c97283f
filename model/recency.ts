/**
 * A Map used as a bounded recency list (a Map iterates in insertion order): remembered entries for lookups,
 * per-address counters. Keeps memory bounded against many keys (stations, attacking addresses) without a
 * cache library for five one-line uses.
 */

/**
 * Per map, the iterator that found its last least recent entry. A Map keeps a deleted entry's slot until it
 * is rehashed, so a new `keys()` iterator walks past every entry dropped so far before it finds the oldest
 * live one: a full map of 20,000 paid ~6 µs per set. An iterator is live (it goes on to entries set after it
 * was made, across rehashes) and everything before it was dropped by it, so its next key is the oldest.
 */
const oldestFirst = new WeakMap<Map<unknown, unknown>, Iterator<unknown>>();

/** Stores `value` under `key` as the most recent entry and drops the least recent ones beyond `max`. */
export function setMostRecent<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size <= max) return;
  let keys = oldestFirst.get(map) as Iterator<K> | undefined;
  while (map.size > max) {
    let next = keys?.next();
    if (next === undefined || next.done) {
      // The first eviction from this map (and, defensively, an iterator at its end): from the start.
      keys = map.keys();
      next = keys.next();
    }
    map.delete(next.value as K);
  }
  oldestFirst.set(map, keys!);
}

/**
 * Id tags stations presented that are not stored (answered Invalid): what an operator needs to add a new card
 * without reading frame logs. Counted per tag (`idTagKey`: case-insensitive, as tags are matched).
 */
import { idTagKey } from "./id_tag.ts";

/** One unknown id tag, as operators see it. */
export interface UnknownIdTag {
  /** As a station last spelled it. */
  idTag: string;
  /** The OCPP 2.0.1 idToken type last presented with it; null from a 1.6 station. */
  idTokenType: string | null;
  /** Times presented (Authorize, a start, a 2.0.1 transaction event). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The station that presented it last. */
  chargePointId: string;
}

/**
 * Two tallies of one tag as one: counts summed, the earliest first sighting, and the spelling, type and
 * station of the latest.
 *
 * @example
 * ```ts
 * mergeUnknownIdTag(
 *   { idTag: "abc", idTokenType: null, count: 2, firstSeen: "T1", lastSeen: "T2", chargePointId: "CP-1" },
 *   { idTag: "ABC", idTokenType: null, count: 1, firstSeen: "T3", lastSeen: "T3", chargePointId: "CP-2" },
 * ); // { idTag: "ABC", count: 3, firstSeen: "T1", lastSeen: "T3", chargePointId: "CP-2", ... }
 * ```
 */
export function mergeUnknownIdTag(a: UnknownIdTag, b: UnknownIdTag): UnknownIdTag {
  const latest = b.lastSeen >= a.lastSeen ? b : a;
  return {
    idTag: latest.idTag,
    idTokenType: latest.idTokenType,
    count: a.count + b.count,
    firstSeen: a.firstSeen <= b.firstSeen ? a.firstSeen : b.firstSeen,
    lastSeen: latest.lastSeen,
    chargePointId: latest.chargePointId,
  };
}

/** Tallies of the same tag (by `idTagKey`) merged into one each, in first-seen order of the list. */
export function byTag(seen: readonly UnknownIdTag[]): UnknownIdTag[] {
  const merged = new Map<string, UnknownIdTag>();
  for (const tag of seen) {
    const key = idTagKey(tag.idTag);
    const before = merged.get(key);
    merged.set(key, before ? mergeUnknownIdTag(before, tag) : tag);
  }
  return [...merged.values()];
}

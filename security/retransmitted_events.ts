/**
 * The security events each station's recent CALLs caused, by the CALL's message id, so that a CALL the station
 * sends again after it was answered (its answer lost to a reconnect, a SecurityEventNotification it must
 * deliver: Security Whitepaper ed. 3 use case A04 queues them) is answered again but not stored, nor counted
 * against its quota, twice. OCPP-J 1.6 §4.1.3 makes a message id unique per sender, so the same id with the same
 * event is the same message.
 *
 * Kept per station id in this process, across its connections, bounded: `perStation` events for each of
 * `maxStations` stations (the least recent forgotten). What it does not catch, without storage: a retransmission
 * to another node, after a restart, or behind `perStation` newer events; those are stored again, as before.
 *
 * @example
 * ```ts
 * const recent = new RetransmittedEvents();
 * recent.isRepeat("CP-1", "msg-1", "station_event", "InvalidMessages"); // false: new, now remembered
 * recent.isRepeat("CP-1", "msg-1", "station_event", "InvalidMessages"); // true
 * ```
 */
export class RetransmittedEvents {
  readonly #perStation: number;
  readonly #maxStations: number;
  /** Station id -> its recent events' keys, oldest first; the Map's order is the stations' recency. */
  readonly #recent = new Map<string, string[]>();

  constructor(options: { perStation?: number; maxStations?: number } = {}) {
    this.#perStation = options.perStation ?? 16;
    this.#maxStations = options.maxStations ?? 10_000;
  }

  /** True when `chargePointId`'s CALL `messageId` caused this event lately; else false, and remembers it. */
  isRepeat(chargePointId: string, messageId: string, kind: string, reason: string): boolean {
    // A hash of the text, not the text: a station's techInfo may be long, and thousands are kept.
    const key = `${messageId}\u0000${kind}\u0000${fnv1a(reason)}`;
    const keys = this.#recent.get(chargePointId) ?? [];
    // Most recent station last: re-inserted.
    this.#recent.delete(chargePointId);
    this.#recent.set(chargePointId, keys);
    if (keys.includes(key)) return true;
    keys.push(key);
    if (keys.length > this.#perStation) keys.shift();
    if (this.#recent.size > this.#maxStations) {
      const oldest = this.#recent.keys().next().value;
      if (oldest !== undefined) this.#recent.delete(oldest);
    }
    return false;
  }
}

/** FNV-1a, 32 bits, over UTF-16 code units: enough to tell one station's few recent texts apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

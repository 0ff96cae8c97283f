/**
 * Id tags stations presented that are not stored (`unknownIdTag` events), tallied in memory and written to
 * the fleet store in one batch per flush (a loop's tick), not one write per Authorize: a station retrying a
 * new card every few seconds, or many stations at once, costs one write per interval. Memory is bounded: at
 * most `maxPending` distinct tags wait for a flush (more are counted, not kept, and the count logged), and the
 * store keeps the `keep` most recently seen. A tally whose write fails is dropped (logged): this is a hint for
 * operators, not a ledger, and a card that is still in use is presented again.
 */
import type { StationEvent } from "../actors/events.ts";
import type { Logger } from "../logger.ts";
import { idTagKey } from "../model/id_tag.ts";
import { mergeUnknownIdTag, type UnknownIdTag } from "../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../store/fleet.ts";

type Sighting = Extract<StationEvent, { type: "unknownIdTag" }>;

export class UnknownIdTagRecorder {
  #pending = new Map<string, UnknownIdTag>();
  #overflow = 0;

  constructor(
    private readonly deps: {
      store: UnknownIdTagStore;
      logger: Logger;
      /** Tags the store keeps (the most recently seen). */
      keep: number;
      /** Distinct tags held between two flushes. */
      maxPending: number;
    },
  ) {}

  saw(event: Sighting): void {
    const key = idTagKey(event.idTag);
    const tally: UnknownIdTag = {
      idTag: event.idTag,
      idTokenType: event.idTokenType,
      count: 1,
      firstSeen: event.at,
      lastSeen: event.at,
      chargePointId: event.chargePointId,
    };
    const before = this.#pending.get(key);
    if (before) this.#pending.set(key, mergeUnknownIdTag(before, tally));
    else if (this.#pending.size < this.deps.maxPending) this.#pending.set(key, tally);
    else this.#overflow++;
  }

  /** Writes what was seen since the last flush (nothing when nothing was). */
  async flush(): Promise<void> {
    const overflow = this.#overflow;
    this.#overflow = 0;
    if (overflow > 0) {
      this.deps.logger.warn("unknown id tags not recorded: too many distinct tags at once", {
        dropped: overflow,
        maxPending: this.deps.maxPending,
      });
    }
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await this.deps.store.recordUnknownIdTags(batch, this.deps.keep);
    } catch (error) {
      this.deps.logger.warn("unknown id tags not recorded", { tags: batch.length, error: String(error) });
    }
  }
}

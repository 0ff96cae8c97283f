/**
 * Id tags stations presented that are not stored (`unknownIdTag` events), tallied in memory and written to
 * the fleet store in one batch per flush (a loop's tick), not one write per Authorize: a station retrying a
 * new card every few seconds, or many stations at once, costs one write per interval. Memory is bounded: at
 * most `maxPending` distinct tags wait for a flush (more are counted, not kept, and the count logged), and the
 * store keeps the `keep` most recently seen. One station lists new tags within a budget (`StationTagBudget`),
 * so a station presenting tag after tag cannot push the real cards off the list; only tags an operator can add
 * are listed (an id tag is at most 20 characters: a longer 2.0.1 token can never match one). A batch whose
 * write fails (the store down, a full disk) is held for the next flush with what comes meanwhile, within
 * `maxPending` (the rest counted and logged as any overflow): the station was answered, so it does not
 * present the tag again for the store's sake, and a card tried once during an outage would never be listed.
 *
 * A tag added since it was presented (the API forgets it then; the CLI import and other processes do not) is
 * forgotten here: each flush looks up a page of `sweepPage` kept tags, in key order from where the last left
 * off, and forgets those now known, so that reading the list (any viewer may) never writes.
 */
import type { StationEvent } from "../actors/events.ts";
import type { Logger } from "../logger.ts";
import { idTagKey, isAddressableIdTag } from "../model/id_tag.ts";
import { mergeUnknownIdTag, type UnknownIdTag } from "../model/unknown_id_tag.ts";
import type { UnknownIdTagStore } from "../store/fleet.ts";
import { StationTagBudget } from "./station_tag_budget.ts";
import { FailureStreak } from "./failure_streak.ts";

const REFUSED_LINES = {
  failed: "unknown id tags not recorded",
  again: "unknown id tags not recorded",
  recovered: "unknown id tags recorded again",
  count: "refusedBatches",
};

type Sighting = Extract<StationEvent, { type: "unknownIdTag" }>;

/** OCPP 1.6 IdToken (CiString20): the longest id tag an operator can add. */
const ID_TAG_MAX_LENGTH = 20;

export class UnknownIdTagRecorder {
  #pending = new Map<string, UnknownIdTag>();
  /** Tags in the write under way. */
  #writing = 0;
  #overflow = 0;
  #overBudget = 0;
  /** Batches the store refused in a row (made at the first refusal). */
  #refused: FailureStreak | null = null;
  /** The key the last known-tag page ended at; null: start from the first. */
  #sweptTo: string | null = null;
  readonly #budget: StationTagBudget;

  constructor(
    private readonly deps: {
      store: UnknownIdTagStore;
      logger: Logger;
      /** Tags the store keeps (the most recently seen). */
      keep: number;
      /** Distinct tags held between two flushes. */
      maxPending: number;
      /** Whether an id tag is stored now (matched as stations' tags are). */
      isKnown: (idTag: string) => Promise<boolean>;
      /** Kept tags looked up per flush, to forget those added since (default 25). */
      sweepPage?: number;
      /** New tags one station may list at once, then one per `stationRefillMs` (defaults 20, one a minute). */
      stationBurst?: number;
      stationRefillMs?: number;
    },
  ) {
    this.#budget = new StationTagBudget({
      burst: deps.stationBurst ?? 20,
      refillMs: deps.stationRefillMs ?? 60_000,
      recent: deps.stationBurst ?? 20,
      maxStations: 10_000,
    });
  }

  saw(event: Sighting): void {
    if (event.idTag.length > ID_TAG_MAX_LENGTH || !isAddressableIdTag(event.idTag)) return;
    const key = idTagKey(event.idTag);
    if (!this.#budget.admit(event.chargePointId, key, Date.parse(event.at))) {
      this.#overBudget++;
      return;
    }
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
    const overBudget = this.#overBudget;
    this.#overflow = 0;
    this.#overBudget = 0;
    if (overBudget > 0) {
      this.deps.logger.warn(
        "unknown id tags not recorded: stations presented more new tags than their budget",
        {
          dropped: overBudget,
        },
      );
    }
    if (overflow > 0) {
      this.deps.logger.warn("unknown id tags not recorded: too many distinct tags at once", {
        dropped: overflow,
        maxPending: this.deps.maxPending,
      });
    }
    await this.#forgetKnown();
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    this.#writing = batch.length;
    try {
      await this.deps.store.recordUnknownIdTags(batch, this.deps.keep);
      this.#refused?.worked();
    } catch (error) {
      // A store that keeps refusing (a full disk) is one warning, not one per flush.
      this.#refused ??= new FailureStreak(this.deps.logger, REFUSED_LINES);
      this.#refused.failed({ tags: batch.length, error: String(error) });
      this.#holdAgain(batch);
    } finally {
      this.#writing = 0;
    }
  }

  /** A batch the store refused, ahead of the tallies seen meanwhile (merged with theirs), within maxPending. */
  #holdAgain(batch: readonly UnknownIdTag[]): void {
    const meanwhile = this.#pending;
    this.#pending = new Map();
    for (const tally of batch) this.#pending.set(idTagKey(tally.idTag), tally);
    for (const [key, tally] of meanwhile) {
      const before = this.#pending.get(key);
      if (before) this.#pending.set(key, mergeUnknownIdTag(before, tally));
      else if (this.#pending.size < this.deps.maxPending) this.#pending.set(key, tally);
      else this.#overflow++;
    }
  }

  /** Tags seen and not written yet: held for the next flush, or in the write under way. */
  get unstored(): number {
    return this.#pending.size + this.#writing;
  }

  /** One page of the kept tags: those an operator added since are forgotten (a failure waits for the next). */
  async #forgetKnown(): Promise<void> {
    const { store, isKnown, sweepPage = 25 } = this.deps;
    try {
      const page = await store.listUnknownIdTagsAfter(this.#sweptTo, sweepPage);
      this.#sweptTo = page.length < sweepPage ? null : idTagKey(page.at(-1)!.idTag);
      const known = await Promise.all(page.map((tag) => isKnown(tag.idTag)));
      for (const tag of page.filter((_, i) => known[i])) await store.forgetUnknownIdTag(tag.idTag);
    } catch (error) {
      this.deps.logger.warn("known id tags not taken off the unknown list", { error: String(error) });
    }
  }
}

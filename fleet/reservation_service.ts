/**
 * Reservations with a lifecycle (OCPP 1.6 §5.13): the CSMS allocates the reservationId, sends ReserveNow, and
 * keeps the reservation `active` until it is used by the matching StartTransaction, expires at its expiryDate
 * (a sweep, one process at a time), is cancelled by an operator (CancelReservation), or is cancelled because
 * its connector became Faulted or Unavailable (we also tell the station, so it does not hold the connector
 * once it recovers).
 *
 * Refused before sending: a connector that is not Available or already holds an active reservation (unless
 * forced; the station's actor checks again in its turn, counting the ReserveNow commands still waiting for their
 * answer, so two requests at once, on any nodes, cannot both pass, and a whole-station reservation keeps a free
 * connector: `actors/commands/reservation_guards.ts`), connector 0 on a station whose ReserveConnectorZeroSupported is not "true" (asked with
 * GetConfiguration when we do not know it), an expiry in the past.
 *
 * A reservation is used by a start of its holder (`model/reservation_holder.ts`: its idTag, or a tag of its
 * parentIdTag); a start that names it for another tag is stored and answered as any start (the actor did), the
 * reservation stays active and the transaction is flagged `reservation_not_held`.
 *
 * A ReserveNow not answered in time is held all the same (the station may hold it) until its expiry or the
 * station's answer after its timeout (`commandAnswered`: Accepted keeps it, a refusal ends it, also one that
 * came before the hold was written: `#refusedBeforeHeld`), or the sweep finds its row settled by the
 * station's node (`settleUnconfirmed`: never sent, say). A raw ReserveNow the station accepted under a
 * reservation's id replaces its content in the ledger, as on the station. A
 * CancelReservation answered Accepted or Rejected ends it, in time or late, the ledger's own or an operator's
 * raw command.
 */
import { reservationOn, reservationUse } from "../model/reservation_holder.ts";
import type { StationEvent } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type {
  ReservationRecord,
  ReservationState,
  ReservationStore,
  TransactionFlagStore,
} from "../store/fleet.ts";
import type { TransactionRecord } from "../model/transaction.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { ChargePointRecord, LiveRecord } from "../model/charge_point.ts";
import type { CommandResult, CommandSender } from "./command_sender.ts";
import { FleetError } from "./errors.ts";
import { toUtcIso } from "../protocol/ocppj/time.ts";
import type { FleetEventBus } from "./events.ts";

export interface ReservationServiceDeps {
  reservations: ReservationStore;
  send: CommandSender;
  registry: Pick<Registry, "get" | "isConnected">;
  /**
   * The stored snapshot: for a station connected to another node of the cluster, and for the configuration
   * (which a live snapshot does not hold).
   */
  snapshotOf: (id: string) => Promise<Readonly<ChargePointRecord> | null>;
  events: FleetEventBus;
  /** The parentIdTag our id tags give `idTag` (null: none, or an unknown tag). */
  parentOf: (idTag: string) => Promise<string | null>;
  flags: Pick<TransactionFlagStore, "addFlag">;
  /**
   * The station's command log rows of `action` requested at or after `since`, newest first
   * (`CommandLogStore.listCommandLogSince`): what its node settled a ReserveNow with before the ledger held
   * it (`#answeredBeforeHeld`), however many other commands the station got since.
   */
  commandLog: (
    chargePointId: string,
    action: string,
    since: string,
    limit: number,
  ) => Promise<CommandLogEntry[]>;
  now: () => Date;
  logger: Logger;
}

export interface NewReservation {
  chargePointId: string;
  connectorId: number;
  idTag: string;
  parentIdTag?: string;
  expiryDate: string;
  force?: boolean;
}

const UNUSABLE = new Set(["Faulted", "Unavailable"]);
/** Expiries handled per sweep round. */
const SWEEP_BATCH = 200;
/**
 * Unconfirmed holds a sweep round asks about (`settleUnconfirmed`): each costs a read of its station's
 * command log since the hold was made (`rowsSince`), and one unsettled stays on the list until its expiry, so the rounds
 * go through the list a page at a time (1,000 holds: every 100 s at the default 5 s round).
 */
export const SETTLE_PAGE = 50;
/** How many reservation ids a node remembers its stations' word about (`#stationWord`, `#askedHere`). */
const STATION_WORD_KEPT = 100;

/**
 * What a station said of a reservation by its id: it ended it (2.0.1 ReservationStatusUpdate) or a start named
 * it (a transaction's `reservationId`).
 */
type StationWord =
  | Extract<StationEvent, { type: "reservationStatus" }>
  | Extract<StationEvent, { type: "transaction" }>;

export class ReservationService {
  /** The last unconfirmed hold the sweep asked about: the next round goes on after it (0: from the start). */
  #settledUpTo = 0;
  /**
   * What stations said of reservations by id (ended, or named by a start), this node's and, for the ids asked
   * here, the other nodes' (`otherNodeEvent`), newest last: one the station ended or used before its timely
   * Accepted came back is found here by `create` once recorded. The last few only.
   */
  #stationWord = new Map<number, StationWord>();
  /** The reservation ids this node's `create` asked for, newest last (the last few only). */
  #askedHere = new Set<number>();

  constructor(private readonly deps: ReservationServiceDeps) {}

  async create(input: NewReservation, by: string): Promise<ReservationRecord> {
    const now = this.deps.now();
    if (Date.parse(input.expiryDate) <= now.getTime()) {
      throw new FleetError("invalid", `expiryDate ${input.expiryDate} is not in the future`, {
        field: "expiryDate",
      });
    }
    const connected = this.deps.registry.isConnected(input.chargePointId);
    const snapshot = this.deps.registry.get(input.chargePointId)?.snapshot ??
      (connected ? await this.deps.snapshotOf(input.chargePointId) : null);
    if (!connected || snapshot === null) {
      throw new FleetError("not_connected", `Cannot reserve on "${input.chargePointId}": not connected`);
    }
    if (input.connectorId === 0) await this.#requireConnectorZero(input.chargePointId, by);
    else if (!input.force) refuseUnlessAvailable(snapshot, input.connectorId);
    // A station that has not reported Reserved yet would take a second one (and both holders come).
    if (!input.force) await this.#refuseSecond(input.chargePointId, input.connectorId, now);

    // OCPP 1.6 §5.13: with its parentIdTag the station lets the tag's group use it, as the ledger does.
    const parentIdTag = input.parentIdTag ?? await this.deps.parentOf(input.idTag);
    if (parentIdTag !== null) input = { ...input, parentIdTag };
    const reservationId = await this.deps.reservations.newReservationId();
    remember(this.#askedHere, reservationId);
    const result = await this.deps.send({
      chargePointId: input.chargePointId,
      action: "ReserveNow",
      payload: {
        connectorId: input.connectorId,
        expiryDate: input.expiryDate,
        idTag: input.idTag,
        reservationId,
        ...(input.parentIdTag !== undefined ? { parentIdTag: input.parentIdTag } : {}),
      },
      force: input.force ?? false,
      requestedBy: by,
    });
    if (mayHold(result)) return await this.#holdUnanswered(input, reservationId, by, now, result);
    const status = answered(result, input.chargePointId, "ReserveNow");
    if (status !== "Accepted") {
      throw new FleetError("refused", `"${input.chargePointId}" answered ReserveNow with ${status}`, {
        reason: status,
        reservationId,
      });
    }
    const record = activeRecord(input, reservationId, by, now, false);
    await this.deps.reservations.createReservation(record);
    this.#publish(record);
    const word = this.#stationWord.get(reservationId);
    if (word?.chargePointId === input.chargePointId) {
      // The station took it and ended or used it before its answer came back (told before the record): noted
      // before their read of the ledger, so either that read or this one sees the other.
      this.#stationWord.delete(reservationId);
      return await this.#heed(record, word) ?? record;
    }
    return record;
  }

  /**
   * A ReserveNow sent and not answered (timed out, its connection or node lost, an answer we could not read):
   * the station may hold the reservation, so the ledger does, active until its expiry, its station's answer
   * after the timeout (`commandAnswered`) or an operator's cancel (which tells the station). Held rather than
   * forgotten: a second reservation there, which the station would refuse or take beside it, is refused here,
   * and the operator sees the reservation id to cancel. The operator still hears the timeout (504), with it.
   */
  async #holdUnanswered(
    input: NewReservation,
    reservationId: number,
    by: string,
    now: Date,
    result: CommandResult,
  ): Promise<never> {
    const record = activeRecord(input, reservationId, by, now, true);
    if (await this.deps.reservations.createReservation(record)) {
      this.#publish(record);
      const refused = (timedOutOnLiveConnection(result) && await this.#refusedBeforeHeld(record)) ||
        await this.#answeredBeforeHeld(record) === "ended";
      if (refused) {
        throw new FleetError(
          "station_timeout",
          `"${input.chargePointId}" did not answer "ReserveNow" in time, then refused it: reservation ` +
            `${reservationId} is not held`,
          { reservationId, held: false, outcome: result.outcome, response: result.response },
        );
      }
    }
    const why = result.outcome === "timeout" ? "did not answer" : "gave no answer we could read to";
    throw new FleetError(
      "station_timeout",
      `"${input.chargePointId}" ${why} "ReserveNow" in time: reservation ${reservationId} is held until its ` +
        "expiry, its station's answer or a cancel (the station may hold it)",
      { reservationId, held: true, outcome: result.outcome, response: result.response },
    );
  }

  /**
   * Whether the station refused a timed-out ReserveNow before its ledger hold was written, and so ends it. Its
   * late answer is told to the ledger (`commandAnswered`) by the node holding the station, which may be before
   * this node, the one that sent it, hears of the timeout and writes the hold (across cluster nodes, or just
   * one process's awaits): then it found nothing to end. That node writes the hold into the station's snapshot
   * before it answers the timeout, and takes it out with a late refusal before it tells the ledger; each side
   * writes first and reads the other's after, so one of them sees the other: a stored snapshot without the
   * reservation means it was refused (ended once, whichever sees it). No stored snapshot: held. Asked only
   * after a timeout on a live connection (`timedOutOnLiveConnection`): no other outcome wrote a hold.
   */
  async #refusedBeforeHeld(record: ReservationRecord): Promise<boolean> {
    const snapshot = await this.deps.snapshotOf(record.chargePointId);
    if (snapshot === null || snapshot.reservations?.some((r) => r.reservationId === record.reservationId)) {
      return false;
    }
    const reason = "not held: the station refused ReserveNow after its timeout, before its hold was recorded";
    await this.#end(record, "cancelled", reason);
    return true;
  }

  /**
   * What the station's node settled the ReserveNow with before the ledger held it, which its telling
   * (`commandAnswered`) found nothing to settle: an answer in time for that node after this one gave up
   * (`CommandGivenUpError`), or a late one, told before this node heard of the timeout. That node stores the
   * command's row, then tells the ledger; this one stores the hold, then reads the row: one of them sees the
   * other. Accepted confirms the hold, a refusal or CALLERROR ends it, as `commandAnswered` would; so does a
   * row saying it was never sent (refused by the actor's guard, the station gone). "held": nothing known yet.
   */
  async #answeredBeforeHeld(
    record: ReservationRecord,
    when = "before its hold was recorded",
  ): Promise<"confirmed" | "ended" | "held"> {
    let rows: CommandLogEntry[];
    try {
      rows = await this.deps.commandLog(
        record.chargePointId,
        "ReserveNow",
        rowsSince(record),
        COMMAND_ROWS_READ,
      );
    } catch (error) {
      // The hold stands: the station's answer, if any comes, is told again only if late; logged to be seen.
      this.deps.logger.warn("cannot read the command log behind a held reservation", {
        reservationId: record.reservationId,
        error: String(error),
      });
      return "held";
    }
    // Its own row, and any raw ReserveNow of the same content sent under its id since (newest first): the
    // station holds it if one was accepted, may hold it while one is not settled.
    const statuses = rows.filter((r) => {
      if (r.action !== "ReserveNow") return false;
      const sent = sentReservation(r.action, r.payload, "ocpp1.6") ??
        sentReservation(r.action, r.payload, "ocpp2.0.1");
      return sent?.reservationId === record.reservationId && sameReservation(record, sent);
    }).map(settledStatus);
    const status = statuses.includes("Accepted") ? "Accepted" : statuses.includes(null) ? null : statuses[0];
    if (status === null || status === undefined) return "held";
    if (status === "Accepted") {
      const confirmed = await this.deps.reservations.confirmReservation(record.reservationId);
      if (confirmed) this.#publish(confirmed);
      return "confirmed";
    }
    const reason = `not held: the station's node settled ReserveNow ${status} ${when}`;
    return await this.#end(record, "cancelled", reason) ? "ended" : "held";
  }

  /**
   * The station answered a ReserveNow or CancelReservation sent with `answerEffects` (the ledger's own, an
   * operator's raw command, a fleet job's; told by the node holding it, `command_answers.ts`).
   *
   * A CancelReservation, in time or late: Accepted or Rejected (the station no longer holds it) ends the
   * reservation of that id cancelled, as the ledger's own `cancel` does (a raw one too: the station holds it
   * no more, whoever asked); a CALLERROR leaves it active. A ReserveNow held unanswered (`#holdUnanswered`):
   * late, or in time for the station's node after the node that asked gave up waiting (in time on one node,
   * `create` records the answer itself and finds no record here yet), it stays active when Accepted and is
   * ended when refused (any other status or a CALLERROR): nothing is held. Only the ledger's reservation of
   * that id and station, as sent, and only while unconfirmed: a refusal to replace one the station accepted
   * keeps it (the station does, and so does its snapshot). An Accepted ReserveNow of another content under its
   * id (an operator's raw one) replaced it on the station (OCPP 1.6 §5.13): the ledger takes that content.
   */
  async commandAnswered(answer: {
    chargePointId: string;
    action: string;
    request: unknown;
    response: unknown;
    callError: { errorCode: string } | null;
    requestedBy: string;
    dialect: string;
    /** After the command's timeout: its caller heard only of the timeout. */
    late: boolean;
  }): Promise<void> {
    const sent = sentReservation(answer.action, answer.request, answer.dialect);
    if (sent === null) return;
    const r = await this.deps.reservations.getReservation(sent.reservationId);
    if (!r || r.state !== "active" || r.chargePointId !== answer.chargePointId) return;
    const status = answer.callError === null
      ? String((answer.response as { status?: unknown } | null)?.status)
      : `a CALLERROR (${answer.callError.errorCode})`;
    if (answer.action === "CancelReservation") {
      if (answer.callError !== null) return;
      // In time, the reason the ledger's own `cancel` gives: whichever of the two ends it first says the same.
      const held = status === "Rejected" ? "the station no longer held it" : null;
      const why = answer.late
        ? ` (the station answered CancelReservation after its timeout${held ? `: ${held}` : ""})`
        : held
        ? ` (${held})`
        : "";
      await this.#end(r, "cancelled", `cancelled by ${answer.requestedBy}${why}`);
      return;
    }
    if (status === "Accepted") {
      // OCPP 1.6 §5.13: the station replaced the reservation of that id with this one; the ledger follows it
      // (else its holder's start was flagged as another's, and the old connector stayed refused and would be
      // cancelled by its Faulted). The same one: the station's word on a hold the ledger kept without it.
      const changed = sameReservation(r, sent)
        ? r.unconfirmed ? await this.deps.reservations.confirmReservation(r.reservationId) : null
        : await this.#revise(r, sent, answer.requestedBy);
      if (changed) this.#publish(changed);
      return;
    }
    // A refusal ends only what the ledger holds without the station's word, as sent: one the station accepted
    // it keeps, as a station that refuses to replace a reservation does (and its snapshot does).
    if (!sameReservation(r, sent) || !r.unconfirmed) return;
    // In time, yet held: its caller, on another node, gave up waiting, or it was sent again (raw).
    const when = answer.late ? "after its timeout" : "in time for the station's node";
    await this.#end(r, "cancelled", `not held: the station answered ReserveNow with ${status} ${when}`);
  }

  /** The ledger's reservation `r` as the ReserveNow the station accepted under its id (`sent`). */
  async #revise(r: ReservationRecord, sent: SentReservation, by: string): Promise<ReservationRecord | null> {
    if (sent.connectorId === undefined || sent.idTag === undefined || sent.expiryDate === undefined) {
      return null;
    }
    const revised = await this.deps.reservations.reviseReservation(r.reservationId, {
      connectorId: sent.connectorId,
      idTag: sent.idTag,
      parentIdTag: sent.parentIdTag ?? null,
      expiryDate: toUtcIso(sent.expiryDate),
    });
    if (revised) {
      this.deps.logger.info("reservation replaced by the station's accepted ReserveNow", {
        reservationId: r.reservationId,
        chargePointId: r.chargePointId,
        requestedBy: by,
        was: { connectorId: r.connectorId, idTag: r.idTag, expiryDate: r.expiryDate },
      });
    }
    return revised;
  }

  async get(reservationId: number): Promise<ReservationRecord> {
    const r = await this.deps.reservations.getReservation(reservationId);
    if (!r) throw new FleetError("not_found", `Reservation ${reservationId} is unknown`);
    return r;
  }

  async list(query: { chargePointId?: string; state?: ReservationState; before?: number; limit: number }) {
    return await this.deps.reservations.listReservations(query);
  }

  /**
   * Cancels an active reservation: CancelReservation to the station (Rejected means it no longer holds it:
   * cancelled all the same). With `force` an unreachable station's reservation is cancelled here only.
   */
  async cancel(
    reservationId: number,
    by: string,
    options: { force?: boolean } = {},
  ): Promise<ReservationRecord> {
    const r = await this.get(reservationId);
    if (r.state !== "active") {
      throw new FleetError("conflict", `Reservation ${reservationId} is ${r.state}, not active`, {
        state: r.state,
      });
    }
    const result = await this.deps.send({
      chargePointId: r.chargePointId,
      action: "CancelReservation",
      payload: { reservationId },
      requestedBy: by,
    });
    let reason = `cancelled by ${by}`;
    if (result.outcome !== "accepted") {
      if (!options.force) answered(result, r.chargePointId, "CancelReservation");
      reason += ` (the station was not told: ${result.outcome})`;
    } else if ((result.response as { status?: string }).status === "Rejected") {
      reason += " (the station no longer held it)";
    }
    return (await this.#end(r, "cancelled", reason)) ?? await this.get(reservationId);
  }

  /**
   * Settles the unconfirmed holds by what their station's node stored since (`#answeredBeforeHeld`): a
   * ReserveNow given up by the node that asked is settled there later, out of the ledger's sight, when that
   * node's guard refused it or its station was gone by its turn (never sent: no answer to tell the ledger), or
   * when that node's telling failed. Else such a hold kept its connector from other reservations until its
   * expiry for nothing. One page of them a round (`SETTLE_PAGE`), after the last one the round before asked
   * about, from the start again after the last page: each hold is asked about in its turn, however many there
   * are. Returns how many were settled. Run by one process at a time, with `expireDue`.
   */
  async settleUnconfirmed(): Promise<number> {
    const list = this.deps.reservations;
    let page = await list.listUnconfirmedReservations(SETTLE_PAGE, this.#settledUpTo);
    // The last page was full: this round starts over.
    if (page.length === 0 && this.#settledUpTo > 0) {
      page = await list.listUnconfirmedReservations(SETTLE_PAGE);
    }
    this.#settledUpTo = page.length < SETTLE_PAGE ? 0 : page[page.length - 1]!.reservationId;
    let count = 0;
    for (const r of page) {
      if (await this.#answeredBeforeHeld(r, "after its hold was recorded") !== "held") count++;
    }
    return count;
  }

  /** Ends the reservations that are past their expiry; returns how many. Run by one process at a time. */
  async expireDue(): Promise<number> {
    let count = 0;
    for (;;) {
      const due = await this.deps.reservations.listDueExpiries(this.deps.now().toISOString(), SWEEP_BATCH);
      for (const r of due) if (await this.#end(r, "expired", "expired")) count++;
      if (due.length < SWEEP_BATCH) return count;
    }
  }

  /** Follows the station events: a start uses its reservation, a Faulted/Unavailable connector cancels it. */
  async stationEvent(event: StationEvent): Promise<void> {
    const word = stationWordOf(event);
    // Noted before the reads below: a `create` waiting for its Accepted finds it once it has recorded the
    // reservation.
    if (word) this.#note(word);
    if (event.type === "transaction" && event.transaction.status === "active") {
      const tx = event.transaction;
      // A 2.0.1 session is told at each of its events: one made after the session began is not what its start
      // used (a reservation kept for the same idToken's next visit), unless the session names it.
      const candidates = (await this.deps.reservations.listActiveReservations(tx.chargePointId)).filter((r) =>
        r.reservationId === tx.reservationId || r.createdAt <= tx.createdAt
      );
      if (candidates.length === 0) return;
      const parentIdTag = tx.idTag ? await this.deps.parentOf(tx.idTag) : null;
      const { used, notHeld } = reservationUse(candidates, { ...tx, parentIdTag });
      if (used) await this.#end(used, "used", "transaction started", tx.transactionId);
      if (notHeld) await this.#flagNotHeld(tx, notHeld);
      return;
    }
    // OCPP 2.0.1 H01: the station no longer holds it, whatever the ledger knew (unconfirmed, or its ReserveNow's
    // late answer still to come): ended, so nothing holds it until its expiry.
    if (event.type === "reservationStatus") {
      const r = await this.deps.reservations.getReservation(event.reservationId);
      if (!r || r.state !== "active" || r.chargePointId !== event.chargePointId) return;
      await this.#endAsReported(r, event.status);
      return;
    }
    if (event.type === "status" && UNUSABLE.has(event.connector.status)) {
      const { connectorId, status } = event.connector;
      await this.#cancelOn(event.chargePointId, connectorId, `connector ${connectorId} is ${status}`);
      return;
    }
    // OCPP 2.0.1: a reservation holds an EVSE (its connectorId is the evseId); one unusable connector of the
    // EVSE makes it unusable, as 1.6's connector.
    if (event.type === "evseStatus" && UNUSABLE.has(event.evse.status)) {
      const { evseId, connectorId, status } = event.evse;
      await this.#cancelOn(
        event.chargePointId,
        evseId,
        `EVSE ${evseId} connector ${connectorId} is ${status}`,
      );
    }
  }

  /**
   * Another node's station event (the domain follows its own node's: that node ends or uses the reservation).
   * Heard here only for a reservation this node asked for (`create`), whose station is on another node and said
   * it ended or used it before its Accepted came back here: that node's read of the ledger found no record
   * then. Noted before this read, as `create` records before it looks at the note: one of them sees the other.
   */
  async otherNodeEvent(event: StationEvent): Promise<void> {
    const word = stationWordOf(event);
    if (!word || !this.#askedHere.has(reservationIdOf(word))) return;
    this.#note(word);
    const r = await this.deps.reservations.getReservation(reservationIdOf(word));
    if (!r || r.state !== "active" || r.chargePointId !== word.chargePointId) return;
    await this.#heed(r, word);
  }

  #note(word: StationWord): void {
    const id = reservationIdOf(word);
    this.#stationWord.delete(id);
    this.#stationWord.set(id, word);
    if (this.#stationWord.size > STATION_WORD_KEPT) {
      this.#stationWord.delete(this.#stationWord.keys().next().value!);
    }
  }

  /** The station's word on the ledger's active reservation `r`: ended as reported, or used by its holder's start. */
  async #heed(r: ReservationRecord, word: StationWord): Promise<ReservationRecord | null> {
    if (word.type === "reservationStatus") return await this.#endAsReported(r, word.status);
    const tx = word.transaction;
    const parentIdTag = tx.idTag ? await this.deps.parentOf(tx.idTag) : null;
    const { used, notHeld } = reservationUse([r], { ...tx, parentIdTag });
    if (notHeld) await this.#flagNotHeld(tx, notHeld);
    return used ? await this.#end(used, "used", "transaction started", tx.transactionId) : null;
  }

  /** Ends `r` as the station's ReservationStatusUpdate said (Expired: expired, else cancelled). */
  #endAsReported(r: ReservationRecord, status: string): Promise<ReservationRecord | null> {
    const state = status === "Expired" ? "expired" : "cancelled";
    return this.#end(r, state, `the station reported it ${status} (ReservationStatusUpdate)`);
  }

  /** One connector holds one active reservation: 409 naming the one it holds. */
  async #refuseSecond(chargePointId: string, connectorId: number, now: Date): Promise<void> {
    const held = reservationOn(
      await this.deps.reservations.listActiveReservations(chargePointId, connectorId),
      connectorId,
      now.getTime(),
    );
    if (!held) return;
    throw new FleetError(
      "conflict",
      `Connector ${connectorId} of "${chargePointId}" already holds reservation ${held.reservationId} ` +
        `(for "${held.idTag}", until ${held.expiryDate}): cancel it first, or use force`,
      {
        reason: "Reserved",
        reservationId: held.reservationId,
        idTag: held.idTag,
        expiryDate: held.expiryDate,
      },
    );
  }

  /** A start named a reservation its tag does not hold: it stays active; the transaction says so. */
  async #flagNotHeld(tx: TransactionRecord, r: ReservationRecord): Promise<void> {
    const details = {
      reservationId: r.reservationId,
      reservedFor: r.idTag,
      reservedParentIdTag: r.parentIdTag,
      reservedConnectorId: r.connectorId,
      idTag: tx.idTag,
    };
    const added = await this.deps.flags.addFlag({
      transactionId: tx.transactionId,
      kind: "reservation_not_held",
      chargePointId: tx.chargePointId,
      connectorId: tx.connectorId,
      at: this.deps.now().toISOString(),
      details,
    });
    // Once per transaction: a 2.0.1 session's every later event names it again.
    if (!added) return;
    this.deps.logger.warn("start names a reservation its id tag does not hold: not used", {
      chargePointId: tx.chargePointId,
      transactionId: tx.transactionId,
      ...details,
    });
  }

  /** Cancels the active reservations of a connector (0: of the whole station) and tells the station. */
  async #cancelOn(chargePointId: string, connectorId: number, reason: string): Promise<void> {
    const affected = await this.deps.reservations.listActiveReservations(
      chargePointId,
      connectorId === 0 ? undefined : connectorId,
    );
    for (const r of affected) {
      const ended = await this.#end(r, "cancelled", reason);
      if (!ended) continue;
      // Best effort: the station would otherwise keep the connector reserved once it recovers.
      void this.deps.send({
        chargePointId: r.chargePointId,
        action: "CancelReservation",
        payload: { reservationId: r.reservationId },
        requestedBy: "system:reservations",
      }).catch(() => {});
    }
  }

  async #end(
    r: ReservationRecord,
    state: Exclude<ReservationState, "active">,
    reason: string,
    transactionId?: number,
  ): Promise<ReservationRecord | null> {
    const ended = await this.deps.reservations.endReservation(r.reservationId, {
      state,
      at: this.deps.now().toISOString(),
      reason,
      ...(transactionId !== undefined ? { transactionId } : {}),
    });
    // Null: someone else ended it first, and theirs stands.
    if (!ended) return null;
    this.deps.logger.info("reservation ended", {
      reservationId: r.reservationId,
      chargePointId: r.chargePointId,
      state,
      reason,
    });
    this.#publish(ended);
    return ended;
  }

  async #requireConnectorZero(chargePointId: string, by: string) {
    const { configuration = null } = await this.deps.snapshotOf(chargePointId) ?? {};
    let value = configuration?.find((k) => k.key === "ReserveConnectorZeroSupported")?.value;
    if (value === undefined) {
      const result = await this.deps.send({
        chargePointId,
        action: "GetConfiguration",
        payload: { key: ["ReserveConnectorZeroSupported"] },
        requestedBy: by,
      });
      const keys = (result.response as { configurationKey?: { key: string; value?: string }[] } | null)
        ?.configurationKey;
      value = keys?.find((k) => k.key === "ReserveConnectorZeroSupported")?.value;
    }
    if (value?.toLowerCase() !== "true") {
      throw new FleetError(
        "refused",
        `"${chargePointId}" does not support reserving connector 0 (ReserveConnectorZeroSupported is ${
          value === undefined ? "not reported" : `"${value}"`
        })`,
        { reason: "ReserveConnectorZeroSupported" },
      );
    }
  }

  #publish(reservation: ReservationRecord): void {
    this.deps.events.publish({
      type: "reservation",
      at: this.deps.now().toISOString(),
      chargePointId: reservation.chargePointId,
      reservation,
    });
  }
}

function refuseUnlessAvailable(snapshot: Readonly<LiveRecord>, connectorId: number): void {
  if (snapshot.ocppVersion === "ocpp2.0.1") return refuseUnlessEvseAvailable(snapshot, connectorId);
  const connector = snapshot.connectors.find((c) => c.connectorId === connectorId);
  if (connector?.status === "Available") return;
  const why = connector ? `is ${connector.status}` : "has not reported its status";
  throw new FleetError(
    "refused",
    `Connector ${connectorId} of "${snapshot.id}" ${why}, not Available (use force)`,
    {
      reason: connector?.status ?? "unknown",
    },
  );
}

/** OCPP 2.0.1: the connector is the EVSE, Available when each of its connectors is. */
function refuseUnlessEvseAvailable(snapshot: Readonly<LiveRecord>, evseId: number): void {
  const connectors = (snapshot.evses ?? []).filter((e) => e.evseId === evseId);
  if (connectors.length > 0 && connectors.every((c) => c.status === "Available")) return;
  const why = connectors.length > 0
    ? `is ${connectors.map((c) => c.status).join("/")}`
    : "has not reported its status";
  throw new FleetError("refused", `EVSE ${evseId} of "${snapshot.id}" ${why}, not Available (use force)`, {
    reason: connectors[0]?.status ?? "unknown",
  });
}

/** What `event` says of a reservation by its id, if anything. */
function stationWordOf(event: StationEvent): StationWord | null {
  if (event.type === "reservationStatus") return event;
  if (
    event.type === "transaction" && event.transaction.status === "active" &&
    event.transaction.reservationId !== null
  ) {
    return event;
  }
  return null;
}

function reservationIdOf(word: StationWord): number {
  return word.type === "reservationStatus" ? word.reservationId : word.transaction.reservationId!;
}

/** Adds `id` to `ids`, the oldest dropped past `STATION_WORD_KEPT`. */
function remember(ids: Set<number>, id: number): void {
  ids.add(id);
  if (ids.size > STATION_WORD_KEPT) ids.delete(ids.values().next().value!);
}

/** The ledger's record of a reservation the station holds (or may hold), as asked. */
function activeRecord(
  input: NewReservation,
  reservationId: number,
  by: string,
  now: Date,
  unconfirmed: boolean,
): ReservationRecord {
  return {
    reservationId,
    chargePointId: input.chargePointId,
    connectorId: input.connectorId,
    idTag: input.idTag,
    parentIdTag: input.parentIdTag ?? null,
    expiryDate: input.expiryDate,
    state: "active",
    createdBy: by,
    createdAt: now.toISOString(),
    endedAt: null,
    endReason: null,
    transactionId: null,
    unconfirmed,
  };
}

/**
 * How many of a station's ReserveNow rows since a hold's creation `#answeredBeforeHeld` reads (its own and
 * any raw ones sent after it: a few).
 */
const COMMAND_ROWS_READ = 100;
/**
 * How long before a hold's `createdAt` its ReserveNow row is looked for: the row is requested after it (the
 * same `now`, taken before sending), but may be written by another node, whose clock may run behind.
 */
const ROW_CLOCK_SLACK_MS = 10 * 60_000;

/** Where a hold's ReserveNow rows start (`ROW_CLOCK_SLACK_MS`). */
function rowsSince(record: ReservationRecord): string {
  return new Date(Date.parse(record.createdAt) - ROW_CLOCK_SLACK_MS).toISOString();
}

/**
 * What a ReserveNow's row says the station did with it: its status (in time or late), "a CALLERROR" or "never
 * sent" (its node refused it, or the station was gone), or null while unknown (sending, timed out unanswered,
 * node lost, an unreadable answer).
 */
function settledStatus(row: CommandLogEntry): string | null {
  const answer = row.outcome === "timeout" ? row.lateAnswer : row;
  switch (answer?.outcome) {
    case "accepted":
      return String((answer.response as { status?: unknown } | null)?.status);
    case "callerror":
      return "with a CALLERROR";
    case "refused":
    case "not_connected":
      return `never sent (${answer.outcome})`;
    default:
      return null;
  }
}

/** Whether a ReserveNow ended so may have reached the station and been taken: sent, no answer we could read. */
function mayHold(result: CommandResult): boolean {
  return result.outcome === "timeout" || result.outcome === "invalid";
}

/**
 * Whether the station let the ReserveNow time out on its live connection (a CallTimeoutError, which
 * `failedCommandOutcome` tells with no response): the one case whose actor wrote the hold into the snapshot,
 * so a snapshot without it means a late refusal took it out. A connection closed or a node lost after the CALL
 * went out is told `timeout` too, with its `reason` (a close writes the hold too, but no later connection ever
 * answers that CALL, so nothing takes it out before its expiry or a cancel; a lost node wrote none); so are a
 * cluster's give-up (`CommandGivenUpError`: the station's node may not have sent it yet) and a hold the
 * actor could not store (`UnheldTimeoutError`).
 */
function timedOutOnLiveConnection(result: CommandResult): boolean {
  return result.outcome === "timeout" && result.response === null;
}

/** What one of the ledger's reservation commands carried, in 1.6's words (2.0.1's ReserveNow: `reserveNow201`). */
interface SentReservation {
  reservationId: number;
  connectorId?: number;
  idTag?: string;
  parentIdTag?: string;
  expiryDate?: string;
}

function sentReservation(action: string, request: unknown, dialect: string): SentReservation | null {
  const r = request as Record<string, unknown> | null;
  if (r === null || typeof r !== "object") return null;
  if (action === "CancelReservation") {
    return typeof r.reservationId === "number" ? { reservationId: r.reservationId } : null;
  }
  if (action !== "ReserveNow") return null;
  if (dialect === "ocpp2.0.1") {
    const token = r.idToken as { idToken?: unknown } | undefined;
    const group = r.groupIdToken as { idToken?: unknown } | undefined;
    return typeof r.id === "number"
      ? {
        reservationId: r.id,
        connectorId: typeof r.evseId === "number" ? r.evseId : 0,
        idTag: String(token?.idToken),
        ...(typeof group?.idToken === "string" ? { parentIdTag: group.idToken } : {}),
        expiryDate: String(r.expiryDateTime),
      }
      : null;
  }
  return typeof r.reservationId === "number"
    ? {
      reservationId: r.reservationId,
      connectorId: Number(r.connectorId),
      idTag: String(r.idTag),
      ...(typeof r.parentIdTag === "string" ? { parentIdTag: r.parentIdTag } : {}),
      expiryDate: String(r.expiryDate),
    }
    : null;
}

/** Whether `sent` is the ReserveNow that made `r` (same connector, holder, its group and expiry). */
function sameReservation(r: ReservationRecord, sent: SentReservation): boolean {
  return r.connectorId === sent.connectorId && r.idTag === sent.idTag &&
    (r.parentIdTag ?? null) === (sent.parentIdTag ?? null) &&
    Date.parse(r.expiryDate) === Date.parse(sent.expiryDate ?? "");
}

/** The station's answer status, or the FleetError its failure means. */
function answered(result: CommandResult, chargePointId: string, action: string): string {
  switch (result.outcome) {
    case "accepted":
      return String((result.response as { status?: unknown }).status);
    case "not_connected":
      throw new FleetError("not_connected", `Cannot send "${action}" to "${chargePointId}": not connected`);
    case "timeout":
      throw new FleetError("station_timeout", `"${chargePointId}" did not answer "${action}" in time`);
    case "refused": {
      // The actor's guards, in its turn: what another request at the same moment took is named here.
      const reason = (result.response as { reason?: unknown } | null)?.reason;
      throw new FleetError(
        "refused",
        `Not sending "${action}" to "${chargePointId}"${typeof reason === "string" ? `: ${reason}` : ""}`,
        result.response as never,
      );
    }
    default:
      throw new FleetError("station_error", `"${chargePointId}" answered "${action}" with an error`, {
        outcome: result.outcome,
        response: result.response,
      });
  }
}

/**
 * What the domain knows about one CS->CP command: a guard (our own commands are checked against what we know
 * of the station before they are sent: a reported status is never refused, but we do not ask a Faulted
 * connector to start charging unless the operator insists) and an effect (what the station's answer teaches
 * its snapshot, as a patch the actor commits with the command log entry). Both pure.
 */
import type { ChargePointRecord, LiveRecord, Reservation, SnapshotPatch } from "../../model/charge_point.ts";
import type { DeviceModelValue } from "../../model/device_model.ts";
import type { CsToCpAction, RequestOf, ResponseOf } from "../../protocol/ocpp16/mod.ts";

/**
 * OCPP 1.6 §4.2.1 (2.0.1 B02): a station that is Pending or Rejected is not sent these (starting or stopping
 * a session); not even when forced, the spec forbids it.
 */
export const ACCEPTED_STATIONS_ONLY = "accepted stations only" as const;

/** Why a guard refuses a command, and what it names (answered with the 409: e.g. the reservation held). */
export interface Refusal {
  reason: string;
  details: Record<string, unknown>;
}

export interface Command<A extends CsToCpAction> {
  /** Only sent to an Accepted station (see ACCEPTED_STATIONS_ONLY). */
  only?: typeof ACCEPTED_STATIONS_ONLY;
  /** Why sending makes no sense now (the operator may force it), or null. `now`: the actor's clock. */
  guard?: (state: Readonly<LiveRecord>, request: RequestOf<A>, now: Date) => string | Refusal | null;
  /** The id tag the station will present to us because of this command (see `PresentedTag`), or null. */
  presents?: (request: RequestOf<A>) => PresentedTag | null;
  /**
   * The reservation this command makes the station hold once accepted: while it waits for the answer, the
   * guards count it as held, so two requests at once cannot both take one connector.
   */
  holds?: (request: RequestOf<A>, at: string) => Reservation | null;
  /**
   * The reservation id this answer shows the station does not hold (a CancelReservation it accepted, or
   * rejected: it had none of that id), or null: what a ReserveNow of that id left held at its timeout is let go.
   */
  releases?: (request: RequestOf<A>, response: ResponseOf<A>) => number | null;
  /** What the answer teaches the snapshot, or null when it teaches nothing we keep. `at`: when it arrived. */
  effect?: (
    state: Readonly<LiveRecord>,
    request: RequestOf<A>,
    response: ResponseOf<A>,
    at: string,
  ) => SnapshotPatch | null;
  /** An effect that reads the station's details (its configuration): the shell reads them from the store first. */
  detailedEffect?: (
    state: Readonly<ChargePointRecord>,
    request: RequestOf<A>,
    response: ResponseOf<A>,
    at: string,
  ) => SnapshotPatch | null;
  /**
   * The station actions this answer asks the station to send (a TriggerMessage it accepted): served even
   * while the station is not Accepted, for a while, since we asked for them.
   */
  triggers?: (request: RequestOf<A>, response: ResponseOf<A>) => readonly string[];
}

/**
 * The id tag a remote start makes the station present to us: the shell judges it as the station's start
 * would be answered and refuses the command (unless forced) when that is not Accepted, since the station
 * would be told so and end the session at once (or not start it).
 */
export interface PresentedTag {
  idTag: string;
  /** A 2.0.1 idToken's type (a stored tag of another type is Invalid). */
  idTokenType?: string;
  /** Where the session would run (single-use tags: a session there does not count as elsewhere). */
  connectorId?: number;
}

/** Any dialect's command, as the shell calls it. */
export interface AnyCommand {
  only?: typeof ACCEPTED_STATIONS_ONLY;
  guard?: (state: Readonly<LiveRecord>, request: never, now: Date) => string | Refusal | null;
  presents?: (request: never) => PresentedTag | null;
  holds?: (request: never, at: string) => Reservation | null;
  releases?: (request: never, response: never) => number | null;
  effect?: (
    state: Readonly<LiveRecord>,
    request: never,
    response: never,
    at: string,
  ) => SnapshotPatch | null;
  detailedEffect?: (
    state: Readonly<ChargePointRecord>,
    request: never,
    response: never,
    at: string,
  ) => SnapshotPatch | null;
  triggers?: (request: never, response: never) => readonly string[];
  deviceModelValues?: (
    request: never,
    response: never,
    at: string,
  ) => readonly Omit<DeviceModelValue, "chargePointId">[];
}

/** The OCPP 2.0.1 command type: the same guard and effect as OCPP 1.6's (`../command.ts`), typed by 2.0.1. */
import type { LiveRecord, Reservation, SnapshotPatch } from "../../../model/charge_point.ts";
import type { DeviceModelValue } from "../../../model/device_model.ts";
import type { CsToCpAction, RequestOf, ResponseOf } from "../../../protocol/ocpp201/mod.ts";
import type { ACCEPTED_STATIONS_ONLY, PresentedTag, Refusal } from "../command.ts";

export interface Command201<A extends CsToCpAction> {
  /** Only sent to an Accepted station (see `ACCEPTED_STATIONS_ONLY` in `../command.ts`). */
  only?: typeof ACCEPTED_STATIONS_ONLY;
  guard?: (state: Readonly<LiveRecord>, request: RequestOf<A>, now: Date) => string | Refusal | null;
  /** The reservation this command makes the station hold (see `Command.holds` in `../command.ts`). */
  holds?: (request: RequestOf<A>, at: string) => Reservation | null;
  /** The reservation id this answer shows the station does not hold (see `Command.releases`). */
  releases?: (request: RequestOf<A>, response: ResponseOf<A>) => number | null;
  /** The id tag the station will present because of this command (see `PresentedTag` in `../command.ts`). */
  presents?: (request: RequestOf<A>) => PresentedTag | null;
  effect?: (
    state: Readonly<LiveRecord>,
    request: RequestOf<A>,
    response: ResponseOf<A>,
    at: string,
  ) => SnapshotPatch | null;
  /** The station actions this answer asks for (see `Command.triggers` in `../command.ts`). */
  triggers?: (request: RequestOf<A>, response: ResponseOf<A>) => readonly string[];
  /** The device model values this answer tells (the shell adds the station's id). */
  deviceModelValues?: (
    request: RequestOf<A>,
    response: ResponseOf<A>,
    at: string,
  ) => readonly Omit<DeviceModelValue, "chargePointId">[];
}

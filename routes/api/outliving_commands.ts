/**
 * Every rule of what a command to stations may not leave behind once the API token that sent it expires
 * (`outliving_grants.ts`, `outliving_raises.ts`): local list entries, reservations, firmware not from the
 * library, a master pass group, settings that widen who may charge, and raises of those. One list for a
 * station's command (routes/api/commands.ts) and a job's, at its creation and each retry (routes/api/jobs.ts),
 * so a rule added for one is not missing from the other. Whom stations trust is each route's own check (it
 * also needs the admin role).
 *
 * @example
 * ```ts ignore
 * await refuseOutlivingCommand(principal, "SendLocalList", payload, null); // 403 for an entry that outlives it
 * ```
 */
import type { Principal } from "../../auth/principal.ts";
import {
  refuseOutlivingFirmware,
  refuseOutlivingLocalList,
  refuseOutlivingMasterPass,
  refuseOutlivingOpenCharging,
  refuseOutlivingReservation,
} from "./outliving_grants.ts";
import { type KnownStationSettings, refuseOutlivingRaise } from "./outliving_raises.ts";

/**
 * Throws 403 when `principal` is a token that expires and `action` with `payload` would leave any of them
 * behind; `station` is what the server knows of the station's settings (null for a job: no station's value is
 * read before it runs). Any JSON may come: the payload is checked against the schemas after this.
 */
export async function refuseOutlivingCommand(
  principal: Principal | null,
  action: string,
  payload: unknown,
  station: KnownStationSettings | null,
): Promise<void> {
  refuseOutlivingLocalList(principal, action, payload);
  refuseOutlivingReservation(principal, action, payload);
  refuseOutlivingFirmware(principal, action, payload);
  refuseOutlivingMasterPass(principal, action, payload);
  refuseOutlivingOpenCharging(principal, action, payload);
  await refuseOutlivingRaise(principal, action, payload, station);
}

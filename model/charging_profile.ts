/**
 * Charging profiles as stored objects: what each station accepted from our SetChargingProfile (OCPP 1.6
 * §5.16) and did not lose since (ClearChargingProfile §5.5, the end of a transaction for a TxProfile §3.13.2),
 * and those of ours waiting to be (re)sent. OCPP 1.6 has no way to ask a station for its installed profiles,
 * so this is the only record of them, and every profile in it is one the CSMS sent and owns.
 */
import type { ChargingProfile } from "../protocol/ocpp16/common.ts";
import type { ChargingProfilePurpose } from "../protocol/ocpp16/enums.ts";

/**
 * Who set it: the charging-profile API, the load management of the station's site, or a raw
 * SetChargingProfile command.
 */
export type ChargingProfileSource = "api" | "loadManagement" | "command";

/**
 * - installed: the station accepted it (and has not lost it, as far as we know);
 * - pending: to be sent when the station is back (set while it was offline, or lost in a reboot).
 */
export type ChargingProfileState = "installed" | "pending";

export interface StoredChargingProfile {
  chargePointId: string;
  /** 0: the whole station. */
  connectorId: number;
  chargingProfileId: number;
  stackLevel: number;
  chargingProfilePurpose: ChargingProfilePurpose;
  transactionId: number | null;
  /** The csChargingProfiles as sent. */
  profile: ChargingProfile;
  source: ChargingProfileSource;
  state: ChargingProfileState;
  /** `user:alice`, `token:ems`, `loadManagement:<siteId>`. */
  requestedBy: string;
  updatedAt: string;
}

/** A station's changes to its stored profiles, applied in one atomic store call. */
export interface ChargingProfileChanges {
  /** chargingProfileIds to delete. */
  remove: number[];
  /** Inserted or replaced (by chargingProfileId). */
  put: StoredChargingProfile[];
}

/**
 * How a station takes load management's profiles, learnt from its answers and forgotten when it boots again
 * (new firmware may behave differently).
 */
export interface ChargingProfileSupport {
  chargePointId: string;
  /**
   * Why it refuses them (its SetChargingProfile status, a CALLERROR code), null when it takes them. Its site
   * counts a refusing station at its maximum.
   */
  refusedReason: string | null;
  /** It rejects TxProfiles but takes a TxDefaultProfile on the connector, which load management then sends. */
  txDefaultOnly: boolean;
  /** It rejected load management's station-wide TxDefaultProfile: not sent again until it reconnects. */
  stationDefaultRejected: boolean;
  /**
   * Consecutive divisions of its site in which it left a profile unanswered (a timeout, a CALLERROR) and, from
   * the third on, until when its site counts it at its maximum; null once it answers or reconnects. In the store,
   * not a process's memory: every node of a cluster divides its site.
   */
  unanswered: UnansweredProfiles | null;
  updatedAt: string;
}

export interface UnansweredProfiles {
  runs: number;
  /** ISO 8601; null while fewer runs than load management tolerates. */
  until: string | null;
}

/** What a station taught before any answer (and after a boot: its firmware may have changed). */
export function noSupportFacts(chargePointId: string, updatedAt: string): ChargingProfileSupport {
  return {
    chargePointId,
    refusedReason: null,
    txDefaultOnly: false,
    stationDefaultRejected: false,
    unanswered: null,
    updatedAt,
  };
}

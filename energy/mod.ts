/**
 * Energy management: stored charging profiles and site load management, as one bundle the server builds
 * (server.ts) and the API and pages use. The rules are pure (`allocate.ts`, `rollout.ts`,
 * `charging_profiles.ts`); the services here reach stations only through the interfaces they are handed.
 */
import type { BusEvent } from "../actors/events.ts";
import type { Logger } from "../logger.ts";
import type { SiteSample } from "../model/site.ts";
import type { EnergyStore } from "../store/energy.ts";
import type { CommandLogStore } from "../store/mod.ts";
import { ChargingProfileService, type StationCommands } from "./charging_profile_service.ts";
import {
  LoadManager,
  type LoadSettings,
  type LoadSources,
  type Scheduler,
  type SiteLocks,
} from "./load_manager.ts";
import { txProfileTransactionProblem16 } from "./charging_profile_rules.ts";
import type { RequestOf } from "../protocol/ocpp16/mod.ts";
import { profileOfCommand } from "./profile_commands.ts";

export type { StationCommands } from "./charging_profile_service.ts";
export type { LoadSettings, LoadSources, Scheduler, SiteLocks } from "./load_manager.ts";

export interface EnergyDeps {
  store: EnergyStore;
  commands: StationCommands;
  commandLog: Pick<CommandLogStore, "appendCommandLog" | "listCommandLog">;
  sources: LoadSources;
  settings: LoadSettings;
  now: () => Date;
  newId: () => string;
  scheduler: Scheduler;
  logger: Logger;
  /** Told after every division of a site (the live event stream). */
  publish?: (sample: SiteSample) => void;
  /** In a cluster: one division of a site at a time, one process doing the periodic runs. */
  locks?: SiteLocks;
  /** The ledger id of a station's own OCPP 2.0.1 transaction id (a raw 2.0.1 TxProfile names it). */
  ledgerIdOf?: (chargePointId: string, stationTransactionId: string) => Promise<number | null>;
  /** What a station accepted since its boot, on this node (`ChargingProfileServiceDeps.acceptedSinceBoot`). */
  acceptedSinceBoot?: (chargePointId: string) => ReadonlySet<number>;
}

export interface Energy {
  store: EnergyStore;
  profiles: ChargingProfileService;
  loadManager: LoadManager;
  /** Told when an operator changed or deleted a site; `removed` are the stations that left it. */
  siteChanged(siteId: string, removed?: readonly string[]): void;
  /**
   * An operator set or cleared a station's profiles: its site is divided again now, not at the next periodic
   * run (a clear may have taken load management's limits away).
   */
  operatorChangedProfiles(chargePointId: string): void;
  /**
   * Why an operator's command (one sent through the API or by a fleet job) would fight load management, with
   * the body path of the field; null when it would not.
   */
  commandClash(
    chargePointId: string,
    action: string,
    payload: unknown,
    options?: { force?: boolean },
  ): Promise<CommandClash | null>;
  /**
   * An OCPP 1.6 TxProfile for no transaction running where it says (`txProfileTransactionProblem16`), or
   * null: checked with the station's running transactions of the ledger, for a connected station (one that
   * is not gets a TxProfile refused as not connected). `commandClash` includes it unless forced: a station
   * may run a session whose StartTransaction it has not sent yet.
   */
  txProfileClash(chargePointId: string, request: SetChargingProfile16): Promise<CommandClash | null>;
  /**
   * A station answered an operator's command: the stored charging profiles follow a SetChargingProfile or
   * ClearChargingProfile, and its site is divided again. So does a late answer to one of this service's own.
   */
  commandAnswered(answer: AnsweredProfileCommand): Promise<void>;
  /** What stations do that load management follows (connections, boots, transactions). */
  onStationEvent(event: BusEvent): void;
  /** Stops what runs in the background; does not close the store. */
  close(): Promise<void>;
}

type SetChargingProfile16 = RequestOf<"SetChargingProfile">;

export interface CommandClash {
  message: string;
  /** Where in the command's body. */
  field: string;
}

export type AnsweredProfileCommand = Parameters<ChargingProfileService["recordAnswer"]>[0] & {
  /**
   * One of this service's own commands answered after its timeout (sent with `answerEffects: "late"`), judged
   * against the records it went out with (`recordsAsked`: `ChargingProfileService.recordLateAnswer`).
   */
  callerRecords?: {
    recordsAsked: Readonly<Record<string, string>> | null;
    callError: { errorCode: string } | null;
  };
};

/** The station events load management follows. */
const FOLLOWED: ReadonlySet<string> = new Set<BusEvent["type"]>([
  "connected",
  "boot",
  "disconnected",
  "transaction",
  "chargingLimit",
]);

export function createEnergy(deps: EnergyDeps): Energy {
  const profiles = new ChargingProfileService(deps);
  const loadManager = new LoadManager({ ...deps, profiles });
  const log = deps.logger;
  // Events arrive synchronously from actors; the work they cause must neither block nor throw into them.
  const follow = (what: string, chargePointId: string, work: () => Promise<void>) => {
    work().catch((error) =>
      log.warn(`load management: ${what} failed`, { chargePointId, error: String(error) })
    );
  };
  const followEvent = (event: BusEvent, id: string) => {
    switch (event.type) {
      case "connected":
        return follow("connection", id, () => loadManager.stationConnected(id, false));
      case "boot":
        if (event.registrationStatus !== "Accepted") return;
        // A boot we asked for is no reboot: the station still holds its profiles.
        return follow("boot", id, () => loadManager.stationConnected(id, event.triggered !== true));
      case "disconnected":
        return follow("disconnection", id, () => loadManager.stationChanged(id));
      case "transaction": {
        const tx = event.transaction;
        if (tx.status === "active") {
          return follow("transaction start", id, () => loadManager.stationChanged(id));
        }
        return follow("transaction end", id, () => loadManager.transactionEnded(id, tx));
      }
      case "chargingLimit":
        return follow("external charging limit", id, () => loadManager.stationChanged(id));
    }
  };
  const txProfileClash = async (chargePointId: string, request: SetChargingProfile16) => {
    if (request.csChargingProfiles.chargingProfilePurpose !== "TxProfile") return null;
    if (!deps.commands.isConnected(chargePointId)) return null;
    return txProfileTransactionProblem16(request, await deps.sources.activeTransactions(chargePointId));
  };
  const operatorChangedProfiles = (id: string) =>
    follow("operator's profiles", id, () => loadManager.stationChanged(id));
  return {
    store: deps.store,
    profiles,
    loadManager,
    siteChanged: (siteId, removed = []) =>
      follow("site change", "", () => loadManager.siteChanged(siteId, removed)),
    operatorChangedProfiles,
    async commandClash(chargePointId, action, payload, options = {}) {
      const command = profileOfCommand(action, payload);
      if (command === null) return null;
      const clash = await loadManager.operatorProfileClash(chargePointId, command.profile);
      if (clash) return { message: clash.message, field: command.fields[clash.field] };
      // The 1.6 shape (2.0.1's names the station's own transaction id, which the station checks).
      return !options.force && command.fields.stackLevel.startsWith("csChargingProfiles")
        ? await txProfileClash(chargePointId, payload as SetChargingProfile16)
        : null;
    },
    txProfileClash,
    async commandAnswered(answer) {
      try {
        if (answer.callerRecords) {
          await profiles.recordLateAnswer({ ...answer, ...answer.callerRecords });
        } else await profiles.recordAnswer(answer);
      } finally {
        if (answer.action === "SetChargingProfile" || answer.action === "ClearChargingProfile") {
          operatorChangedProfiles(answer.chargePointId);
        }
      }
    },
    onStationEvent(event) {
      // Every answered CALL's event comes here, most (meter values, statuses) of no concern to load management:
      // they return before `followEvent`, whose closures make V8 allocate a context on each call.
      if (event.chargePointId === null || !FOLLOWED.has(event.type)) return;
      followEvent(event, event.chargePointId);
    },
    close: () => loadManager.close(),
  };
}

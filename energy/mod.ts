/**
 * Energy management: stored charging profiles and site load management, as one bundle the server builds
 * (server.ts) and the API and pages use. The rules are pure (`allocate.ts`, `rollout.ts`,
 * `charging_profiles.ts`); the services here reach stations only through the interfaces they are handed.
 */
import type { EnergyStore } from "../store/energy.ts";
import type { CommandLogStore } from "../store/store.ts";
import { ChargingProfileService, type StationCommands } from "./charging_profile_service.ts";

export type { StationCommands } from "./charging_profile_service.ts";

export interface EnergyDeps {
  store: EnergyStore;
  commands: StationCommands;
  commandLog: CommandLogStore;
  now: () => Date;
  newId: () => string;
}

export interface Energy {
  store: EnergyStore;
  profiles: ChargingProfileService;
  /** Told when an operator changed or deleted a site, so its allocation follows. */
  siteChanged(siteId: string): void;
  /** Stops what runs in the background; does not close the store. */
  close(): Promise<void>;
}

export function createEnergy(deps: EnergyDeps): Energy {
  const profiles = new ChargingProfileService(deps);
  return {
    store: deps.store,
    profiles,
    siteChanged: () => {},
    close: () => Promise.resolve(),
  };
}

/**
 * The FleetStore on PostgreSQL, on a small pool of its own; opening applies pending migrations under the same
 * advisory lock as the Store's start-up.
 *
 * @example
 * ```ts ignore
 * const fleet = await openPostgresFleetStore("postgres://postgres@127.0.0.1:5432/csms");
 * await fleet.reservations.newReservationId();
 * await fleet.close();
 * ```
 */
import type { FleetStore } from "../fleet.ts";
import { openMigratedPool } from "./migrate.ts";
import { PostgresDataTransferStore } from "./data_transfers.ts";
import { PostgresUnknownIdTagStore } from "./unknown_id_tags.ts";
import {
  PostgresFleetSettingsStore,
  PostgresLeaseStore,
  PostgresTransactionFlagStore,
} from "./fleet_records.ts";
import { PostgresJobStore } from "./jobs.ts";
import { PostgresLocalListStore } from "./local_lists.ts";
import { PostgresReservationStore } from "./reservations.ts";
import { PostgresRetentionStore } from "./retention.ts";
import { PostgresWebhookStore } from "./webhooks.ts";

export async function openPostgresFleetStore(
  url: string,
  options: { maxConnections?: number; migrate?: boolean } = {},
): Promise<FleetStore> {
  const sql = await openMigratedPool(url, {
    maxConnections: options.maxConnections ?? 4,
    applicationName: "ocpp-csms-fleet",
    ...(options.migrate !== undefined ? { migrate: options.migrate } : {}),
  });
  return {
    jobs: new PostgresJobStore(sql),
    webhooks: new PostgresWebhookStore(sql),
    reservations: new PostgresReservationStore(sql),
    localLists: new PostgresLocalListStore(sql),
    dataTransfers: new PostgresDataTransferStore(sql),
    unknownIdTags: new PostgresUnknownIdTagStore(sql),
    flags: new PostgresTransactionFlagStore(sql),
    settings: new PostgresFleetSettingsStore(sql),
    leases: new PostgresLeaseStore(sql),
    retention: new PostgresRetentionStore(sql),
    close: () => sql.end({ timeout: 5 }),
  };
}

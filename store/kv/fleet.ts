/**
 * The FleetStore on Deno KV: the fleet's small stores on one KV handle (the server shares its handle with the
 * Store, see store/open.ts).
 *
 * @example
 * ```ts
 * import { openKvFleetStore } from "./fleet.ts";
 * const fleet = await openKvFleetStore(":memory:");
 * await fleet.reservations.newReservationId(); // 1
 * await fleet.close();
 * ```
 */
import { openKvHandle } from "./handle.ts";
import type { FleetStore } from "../fleet.ts";
import { KvDataTransferStore } from "./data_transfers.ts";
import { KvUnknownIdTagStore } from "./unknown_id_tags.ts";
import { KvFleetSettingsStore, KvLeaseStore, KvTransactionFlagStore } from "./fleet_records.ts";
import { KvJobStore } from "./jobs.ts";
import { KvLocalListStore } from "./local_lists.ts";
import { KvReservationStore } from "./reservations.ts";
import { KvRetentionStore } from "./retention.ts";
import { KvWebhookStore } from "./webhooks.ts";

/** Opens a FleetStore on a KV handle of its own (tests); `close()` closes that handle. */
export async function openKvFleetStore(path?: string): Promise<FleetStore> {
  const kv = await openKvHandle(path);
  return kvFleetStore(kv, () => kv.close());
}

/** A FleetStore on a shared handle: `close()` runs `onClose` (nothing by default: the owner closes it). */
export function kvFleetStore(kv: Deno.Kv, onClose: () => void = () => {}): FleetStore {
  let closed = false;
  return {
    jobs: new KvJobStore(kv),
    webhooks: new KvWebhookStore(kv),
    reservations: new KvReservationStore(kv),
    localLists: new KvLocalListStore(kv),
    dataTransfers: new KvDataTransferStore(kv),
    unknownIdTags: new KvUnknownIdTagStore(kv),
    flags: new KvTransactionFlagStore(kv),
    settings: new KvFleetSettingsStore(kv),
    leases: new KvLeaseStore(kv),
    retention: new KvRetentionStore(kv),
    close() {
      if (!closed) {
        closed = true;
        onClose();
      }
      return Promise.resolve();
    },
  };
}

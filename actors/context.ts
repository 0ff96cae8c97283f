/**
 * What an actor gives its handlers: the station's snapshot (owned by the actor, mutated only inside its
 * mailbox turn), the injected dependencies, and a way to persist.
 */
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { RegistrationStatus } from "../protocol/ocpp16/enums.ts";
import type { ChargePointRecord, StatusHistoryEntry, Store } from "../store/store.ts";
import type { EventBus } from "./events.ts";
import type { FrameLog } from "./frame_log.ts";
import type { VendorTable } from "./handlers/data_transfer.ts";

export interface ActorSettings {
  /** What BootNotification answers a station not yet Accepted. */
  registrationPolicy: RegistrationStatus;
  heartbeatIntervalS: number;
  bootRetryIntervalS: number;
  callTimeoutMs: number;
  maxFrameBytes: number;
  maxBadFrames: number;
  singleUseIdTags: boolean;
}

export interface ActorDeps {
  store: Store;
  logger: Logger;
  events: EventBus;
  frames: FrameLog;
  now: () => Date;
  newMessageId: () => string;
  settings: ActorSettings;
  vendors: VendorTable;
  /** Told how each CALL was answered and how long it took; none in most tests. */
  metrics?: Metrics;
}

export interface HandlerContext {
  readonly chargePointId: string;
  readonly deps: ActorDeps;
  /** Carries the charge point id on every line. */
  readonly log: Logger;
  /** When the CALL was received. */
  readonly receivedAt: Date;
  record: ChargePointRecord;
  /**
   * Persists the snapshot; resolves once it is stored. With `status`, that status history entry is written in
   * the same atomic commit (`Store.recordStatus`).
   */
  save(status?: StatusHistoryEntry): Promise<void>;
}

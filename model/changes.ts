/**
 * Everything one station's CALL (or one command answer, or one operator change) writes, as data. Handlers
 * return it, the actor shell hands it to the store in ONE `commit`, and the store writes it all or nothing,
 * batched with other stations' changes (group commit).
 */
import type { Connection } from "./newest_connection.ts";
import type { ProtocolErrorsBase } from "./protocol_errors_base.ts";
import type { SnapshotPatch } from "./charge_point.ts";
import type { CommandLogEntry } from "./command_log.ts";
import type { DeviceModelEntry, DeviceModelValue } from "./device_model.ts";
import type { FileStatusEntry } from "./file_status.ts";
import type { MeterValueRow } from "./meter_value.ts";
import type { StatusHistoryEntry } from "./status_history.ts";
import type { TransactionFlag, TransactionFlagKey } from "./transaction_flag.ts";
import type { OrphanStopRecord, TransactionRecord, TransactionStatus } from "./transaction.ts";

/** A transaction rewritten, only if the store still holds it with `expectedStatus`. */
export interface TransactionUpdate {
  transaction: TransactionRecord;
  expectedStatus: TransactionStatus;
  /** The idTagInfo.status a StopTransaction was answered with (kept by stores that have a place for it). */
  stopIdTagStatus?: string | null;
}

export interface StationChanges {
  chargePointId: string;
  /** Only the fields that changed; a station the store lacks is created from `emptyRecord`. */
  snapshot?: SnapshotPatch;
  /** When the station was last heard from: with `snapshot` it joins the patch, alone it is a cheap touch. */
  lastSeen?: string;
  /**
   * The connection whose actor wrote `snapshot` (absent: an operator's patch, an import). The store writes
   * the snapshot only when no newer connection of the station wrote it (the order of
   * `model/newest_connection.ts`); else it skips the snapshot and answers `replaced`.
   */
  connection?: WriterConnection;
  /**
   * With an actor's `snapshot.protocolErrors`: the record's clear epoch it counted them from and how many the
   * record held then. A clear since (another node's) leaves only the ones counted after it
   * (`model/protocol_errors_base.ts`); the result says the epoch after the write (`protocolErrorsEpoch`).
   */
  protocolErrorsBase?: ProtocolErrorsBase;
  statusHistory?: StatusHistoryEntry[];
  /** New transactions, their ids already allocated; a replay key the store already has is a conflict. */
  transactionsStarted?: TransactionRecord[];
  transactionUpdates?: TransactionUpdate[];
  /** Stored once under their natural key: a replay stores nothing. */
  orphanStops?: OrphanStopRecord[];
  /** Stored once under their natural key: a replay stores nothing. */
  meterValues?: MeterValueRow[];
  commandLog?: CommandLogEntry[];
  /** File transfer progress the station reported (diagnostics, logs, firmware), appended as history. */
  fileStatus?: FileStatusEntry[];
  /** OCPP 2.0.1 device model entries a NotifyReport described, each replacing the stored one of its key. */
  deviceModel?: DeviceModelEntry[];
  /** Values commands' answers told us, each changing the stored entry of its key (after `deviceModel`). */
  deviceModelValues?: DeviceModelValue[];
  /**
   * One per transaction and kind, written with the stop that raised it (an operator's close, readings judged
   * implausible); a newer one of the same key replaces it: a flag describes the transaction as it is now.
   */
  transactionFlags?: TransactionFlag[];
  /** Flags that no longer hold (readings plausible again), removed before `transactionFlags` are written. */
  transactionFlagsCleared?: TransactionFlagKey[];
}

/** A station's connection: when it opened (ISO) and the node (or process) that holds it. */
export type WriterConnection = Connection;

/**
 * replaced: a newer connection of the station wrote its snapshot, so this one's snapshot was not stored (the
 * rest was): the writer's socket is stale. ok: every change is stored (`meterValuesAdded` of the meter values were new). conflict: another writer got
 * there first (a replay key taken, a transaction no longer in its expected status, a second active
 * transaction on a connector): nothing of these changes is stored; decide again with fresh lookups.
 * protocolErrorsEpoch: the record's clear epoch after a write that carried `protocolErrorsBase`.
 */
export type CommitResult =
  | { ok: true; meterValuesAdded: number; replaced?: true; protocolErrorsEpoch?: number }
  | { ok: false; conflict: string };

/** True when the changes write nothing at all. */
export function isEmpty(changes: StationChanges): boolean {
  return changes.snapshot === undefined && changes.lastSeen === undefined &&
    !changes.statusHistory?.length && !changes.transactionsStarted?.length &&
    !changes.transactionUpdates?.length && !changes.orphanStops?.length && !changes.meterValues?.length &&
    !changes.commandLog?.length && !changes.fileStatus?.length && !changes.deviceModel?.length &&
    !changes.deviceModelValues?.length && !changes.transactionFlags?.length &&
    !changes.transactionFlagsCleared?.length;
}

/** `a` then `b`, as one set of changes of the same station (b's snapshot fields win). */
export function mergeChanges(a: StationChanges, b: Omit<StationChanges, "chargePointId">): StationChanges {
  const out: StationChanges = { ...a };
  if (b.snapshot) out.snapshot = { ...a.snapshot, ...b.snapshot };
  if (b.lastSeen !== undefined) out.lastSeen = b.lastSeen;
  if (b.connection) out.connection = b.connection;
  if (b.protocolErrorsBase) out.protocolErrorsBase = b.protocolErrorsBase;
  for (const key of LISTS) {
    const more = b[key];
    if (more?.length) (out[key] as unknown[]) = [...(a[key] ?? []), ...more];
  }
  return out;
}

const LISTS = [
  "statusHistory",
  "transactionsStarted",
  "transactionUpdates",
  "orphanStops",
  "meterValues",
  "commandLog",
  "fileStatus",
  "deviceModel",
  "deviceModelValues",
  "transactionFlags",
  "transactionFlagsCleared",
] as const;

/**
 * When these changes happened, for a record the store must create on the way (a bare station row): the
 * snapshot's own times, else the time of the first thing written.
 */
export function changesTime(changes: StationChanges): string | null {
  return changes.snapshot?.createdAt ?? changes.snapshot?.updatedAt ??
    changes.statusHistory?.[0]?.receivedAt ??
    changes.transactionsStarted?.[0]?.createdAt ?? changes.transactionUpdates?.[0]?.transaction.createdAt ??
    changes.orphanStops?.[0]?.receivedAt ?? changes.meterValues?.[0]?.receivedAt ??
    changes.commandLog?.[0]?.requestedAt ?? changes.fileStatus?.[0]?.receivedAt ??
    changes.deviceModel?.[0]?.receivedAt ?? changes.deviceModelValues?.[0]?.at ??
    changes.transactionFlags?.[0]?.at ?? changes.lastSeen ?? null;
}

/**
 * Runs `attempt` until it commits: `attempt` decides with fresh lookups and commits, returning null when the
 * commit reported a conflict. Gives up with an error after `maxAttempts`.
 */
export async function untilCommitted<T>(
  what: string,
  maxAttempts: number,
  attempt: () => Promise<T | null>,
): Promise<T> {
  let conflicts = 0;
  for (;;) {
    const result = await attempt();
    if (result !== null) return result;
    if (++conflicts >= maxAttempts) {
      throw new Error(`${what}: still conflicting after ${maxAttempts} attempts`);
    }
  }
}

/**
 * Refuses changes that write about another station than `changes.chargePointId`: a commit is one station's,
 * all or nothing, and the stores batch by station.
 */
export function checkStation(changes: StationChanges): void {
  const id = changes.chargePointId;
  const stray = changes.statusHistory?.find((e) => e.chargePointId !== id) ??
    changes.transactionsStarted?.find((t) => t.chargePointId !== id) ??
    changes.transactionUpdates?.find((u) => u.transaction.chargePointId !== id)?.transaction ??
    changes.orphanStops?.find((o) => o.chargePointId !== id) ??
    changes.meterValues?.find((r) => r.chargePointId !== id) ??
    changes.commandLog?.find((e) => e.chargePointId !== id) ??
    changes.fileStatus?.find((e) => e.chargePointId !== id) ??
    changes.deviceModel?.find((e) => e.chargePointId !== id) ??
    changes.deviceModelValues?.find((v) => v.chargePointId !== id) ??
    changes.transactionFlags?.find((f) => f.chargePointId !== id) ??
    changes.transactionFlagsCleared?.find((f) => f.chargePointId !== id);
  if (stray) {
    throw new Error(`Cannot commit the changes of "${id}": they write about "${stray.chargePointId}"`);
  }
}

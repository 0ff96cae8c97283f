/**
 * The Store's convenience writes, written once for every store on top of `commit` and the domain rules of
 * `model/`: what tools, imports and the contract suite call. Actors do not use them: their handlers decide
 * and the shell commits the changes itself.
 */
import type { ChargePointRecord } from "../model/charge_point.ts";
import { type CommitResult, type StationChanges, untilCommitted } from "../model/changes.ts";
import type { CommandLogEntry } from "../model/command_log.ts";
import type { MeterValueRow } from "../model/meter_value.ts";
import type { StatusHistoryEntry } from "../model/status_history.ts";
import {
  decideStart,
  decideStop,
  type StartTransactionInput,
  type StartTransactionOutcome,
  type StopTransactionInput,
  type StopTransactionOutcome,
} from "../model/transaction.ts";
import type { TransactionFlag } from "../model/transaction_flag.ts";
import type { CommitStore, TransactionStore } from "./mod.ts";

/** Conflicts only come from concurrent writers of the same rows, each of which makes progress. */
const MAX_ATTEMPTS = 100;

type Committing = CommitStore & TransactionStore;

export async function startTransaction(
  store: Committing,
  input: StartTransactionInput,
): Promise<StartTransactionOutcome> {
  const what = `Cannot start a transaction on "${input.chargePointId}" connector ${input.connectorId}`;
  return await untilCommitted(what, MAX_ATTEMPTS, async () => {
    const { outcome, changes } = await decideStart(input, store.decisionLookups ?? store);
    const result = await store.commit({ chargePointId: input.chargePointId, ...changes });
    return result.ok ? outcome : null;
  });
}

/** `flags` are written with the stop, in the same commit, when it stops the transaction (not a replay). */
export async function stopTransaction(
  store: Committing,
  input: StopTransactionInput,
  flags: TransactionFlag[] = [],
): Promise<StopTransactionOutcome> {
  const what = `Cannot stop transaction ${input.transactionId} of "${input.chargePointId}"`;
  return await untilCommitted(what, MAX_ATTEMPTS, async () => {
    const { outcome, changes } = await decideStop(input, store.decisionLookups ?? store);
    const stopped = outcome.outcome === "stopped" && flags.length > 0;
    const result = await store.commit({
      chargePointId: input.chargePointId,
      ...changes,
      ...(stopped ? { transactionFlags: [...(changes.transactionFlags ?? []), ...flags] } : {}),
    });
    return result.ok ? outcome : null;
  });
}

/** One commit per station the rows are about; the count of new rows over all of them. */
export async function addMeterValues(store: CommitStore, rows: MeterValueRow[]): Promise<number> {
  const byStation = new Map<string, MeterValueRow[]>();
  for (const row of rows) {
    const list = byStation.get(row.chargePointId);
    if (list) list.push(row);
    else byStation.set(row.chargePointId, [row]);
  }
  const added = await Promise.all(
    [...byStation].map(async ([chargePointId, meterValues]) =>
      (await commitOrThrow(store, { chargePointId, meterValues })).meterValuesAdded
    ),
  );
  return added.reduce((a, b) => a + b, 0);
}

export async function touchChargePoint(store: CommitStore, id: string, lastSeen: string): Promise<void> {
  await commitOrThrow(store, { chargePointId: id, lastSeen });
}

export async function appendStatusHistory(store: CommitStore, entry: StatusHistoryEntry): Promise<void> {
  await commitOrThrow(store, { chargePointId: entry.chargePointId, statusHistory: [entry] });
}

export async function recordStatus(
  store: CommitStore,
  entry: StatusHistoryEntry,
  snapshot: ChargePointRecord,
): Promise<void> {
  if (entry.chargePointId !== snapshot.id) {
    throw new Error(
      `Cannot record the status of "${entry.chargePointId}" with the snapshot of "${snapshot.id}"`,
    );
  }
  const { id, ...fields } = snapshot;
  await commitOrThrow(store, { chargePointId: id, snapshot: fields, statusHistory: [entry] });
}

export async function appendCommandLog(store: CommitStore, entry: CommandLogEntry): Promise<void> {
  await commitOrThrow(store, { chargePointId: entry.chargePointId, commandLog: [entry] });
}

/** For changes no other writer can conflict with (no replay key, no status guard). */
async function commitOrThrow(
  store: CommitStore,
  changes: StationChanges,
): Promise<Extract<CommitResult, { ok: true }>> {
  const result = await store.commit(changes);
  if (!result.ok) throw new Error(`Cannot write for "${changes.chargePointId}": ${result.conflict}`);
  return result;
}

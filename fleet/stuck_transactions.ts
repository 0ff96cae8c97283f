/**
 * Transactions that will not end by themselves:
 * - an admin closes an open one by hand, giving the stop time, meter value and why: it is stopped like a
 *   StopTransaction would (reason "ClosedByOperator"), the connector forgets it, and a flag records who did it
 *   and why. A real StopTransaction arriving later replaces the operator's values (model/transaction.ts);
 *   the flag keeps them;
 * - a transaction still active when its connector (OCPP 2.0.1: every connector of its EVSE) reports Available
 *   after the station rebooted (booted after the transaction started) is flagged `open_after_reboot` for an
 *   operator to look at; so is a 1.6 transaction still active when its station boots speaking 2.0.1.
 */
import type { StationEvent } from "../actors/events.ts";
import type { EventBus } from "../actors/events.ts";
import type { Registry } from "../actors/registry.ts";
import type { Logger } from "../logger.ts";
import type { TransactionFlag, TransactionFlagStore } from "../store/fleet.ts";
import { CLOSED_BY_OPERATOR, type TransactionRecord } from "../model/transaction.ts";
import { TRANSACTION_FLAG_KINDS } from "../model/transaction_flag.ts";
import type { Store } from "../store/mod.ts";
import { FleetError } from "./errors.ts";

export interface StuckTransactionDeps {
  store: Pick<
    Store,
    "getTransaction" | "findTransactionByStationId" | "stopTransaction" | "listTransactions"
  >;
  flags: TransactionFlagStore;
  registry: Pick<Registry, "updateSnapshot" | "get">;
  stationEvents: EventBus;
  now: () => Date;
  logger: Logger;
}

export interface ManualClose {
  timestamp: string;
  meterStop: number;
  reason: string;
}

/** 2.0.1 connector statuses that may hold a session (Occupied) or are promised to one (Reserved). */
const IN_USE: ReadonlySet<string> = new Set(["Occupied", "Reserved"]);

export class StuckTransactions {
  constructor(private readonly deps: StuckTransactionDeps) {}

  async close(transactionId: number, input: ManualClose, by: string): Promise<TransactionRecord> {
    const tx = await this.deps.store.getTransaction(transactionId);
    if (!tx) throw new FleetError("not_found", `Transaction ${transactionId} is unknown`);
    if (tx.status === "finished") {
      throw new FleetError("conflict", `Transaction ${transactionId} is already finished`, {
        status: tx.status,
      });
    }
    if (input.timestamp < tx.startTimestamp) {
      throw new FleetError(
        "invalid",
        `timestamp ${input.timestamp} is before the start (${tx.startTimestamp})`,
        {
          field: "timestamp",
        },
      );
    }
    const clock = this.deps.now();
    // A minute's grace for the operator's clock; a stop in 2099 is a typo that would skew every report.
    if (Date.parse(input.timestamp) > clock.getTime() + 60_000) {
      throw new FleetError("invalid", `timestamp ${input.timestamp} is in the future`, {
        field: "timestamp",
      });
    }
    if (input.meterStop < tx.meterStart) {
      throw new FleetError("invalid", `meterStop ${input.meterStop} is below meterStart ${tx.meterStart}`, {
        field: "meterStop",
      });
    }
    const now = clock.toISOString();
    // The flag is written with the stop, in one commit: a close is never stored without its audit record.
    const flag: TransactionFlag = {
      transactionId,
      kind: "closed_by_operator",
      chargePointId: tx.chargePointId,
      connectorId: tx.connectorId,
      at: now,
      details: { by, reason: input.reason, meterStop: input.meterStop, timestamp: input.timestamp },
    };
    const outcome = await this.deps.store.stopTransaction({
      chargePointId: tx.chargePointId,
      transactionId,
      idTag: null,
      idTagStatus: null,
      meterStop: input.meterStop,
      timestamp: input.timestamp,
      reason: CLOSED_BY_OPERATOR,
      transactionData: null,
      receivedAt: now,
    }, [flag]);
    const closed = outcome.transaction;
    if (outcome.outcome !== "stopped" || !closed) {
      throw new FleetError("conflict", `Transaction ${transactionId} was stopped meanwhile`);
    }
    // The connector (OCPP 2.0.1: the EVSE, by the station's id) no longer holds it: computed in the station's
    // mailbox when it is connected, on whichever node holds it.
    await this.deps.registry.updateSnapshot(tx.chargePointId, {
      change: "detachTransaction",
      transactionId,
      ...(tx.stationTransactionId !== undefined ? { stationTransactionId: tx.stationTransactionId } : {}),
      at: now,
    }).catch((error) => {
      this.deps.logger.warn("cannot detach a closed transaction", { transactionId, error: String(error) });
    });
    this.deps.logger.info("transaction closed by an operator", { transactionId, by, reason: input.reason });
    this.deps.stationEvents.publish({
      type: "transaction",
      chargePointId: tx.chargePointId,
      at: now,
      transaction: closed,
    });
    return closed;
  }

  async flags(query: { kind?: TransactionFlag["kind"]; transactionId?: number; limit: number }) {
    return await this.deps.flags.listFlags(query);
  }

  /**
   * The flags (of `kind`, else of every kind) of transactions still active, newest transaction first; `running`:
   * their ids, when the caller read them.
   */
  async activeFlags(
    query: { kind?: TransactionFlag["kind"]; limit: number; running?: readonly number[] },
  ): Promise<TransactionFlag[]> {
    const kinds = query.kind ? [query.kind] : TRANSACTION_FLAG_KINDS;
    const running = query.running !== undefined ? { running: query.running } : {};
    const lists = await Promise.all(
      kinds.map((kind) => this.deps.flags.listActiveFlags({ kind, limit: query.limit, ...running })),
    );
    return lists.flat().sort((a, b) => b.transactionId - a.transactionId).slice(0, query.limit);
  }

  /**
   * Follows the station events: flags a transaction left open across a reboot. Cheap on the hot path: only a
   * connector that still holds a transaction is looked at (one read of that transaction).
   */
  async stationEvent(event: StationEvent): Promise<void> {
    if (event.type === "boot") {
      // A station that boots speaking 2.0.1 cannot end a 1.6 transaction (one without the station's own id):
      // it was left open by the station's 1.6 firmware, and no status of the new dialect names it.
      if (event.registrationStatus !== "Accepted") return;
      if (this.deps.registry.get(event.chargePointId)?.snapshot?.ocppVersion !== "ocpp2.0.1") return;
      const open = await this.deps.store.listTransactions({
        chargePointId: event.chargePointId,
        status: "active",
        limit: 100,
      });
      for (const tx of open) {
        if (tx.stationTransactionId !== undefined) continue;
        await this.#flagOpenAfterReboot(event.chargePointId, event.at, event.at, () => Promise.resolve(tx), {
          status: "booted speaking OCPP 2.0.1",
        });
      }
      return;
    }
    if (event.type === "status") {
      const { connector } = event;
      if (
        connector.status !== "Available" || connector.connectorId === 0 ||
        connector.transactionId === undefined
      ) {
        return;
      }
      const tx = () => this.deps.store.getTransaction(connector.transactionId!);
      return await this.#flagOpenAfterReboot(event.chargePointId, event.at, connector.timestamp, tx);
    }
    if (event.type === "evseStatus") {
      // OCPP 2.0.1: the EVSE holds the station's transactionId; it is free when none of its connectors is in
      // use (one Unavailable or Faulted holds no session).
      const { evse } = event;
      const stationId = evse.transactionId;
      if (evse.status !== "Available" || stationId === undefined) return;
      const evses = this.deps.registry.get(event.chargePointId)?.snapshot?.evses ?? [];
      if (evses.some((e) => e.evseId === evse.evseId && IN_USE.has(e.status))) return;
      const tx = () => this.deps.store.findTransactionByStationId(event.chargePointId, stationId);
      return await this.#flagOpenAfterReboot(event.chargePointId, event.at, evse.timestamp, tx);
    }
  }

  /** Flags the transaction `find` reads when it is active and began before the station's last boot. */
  async #flagOpenAfterReboot(
    chargePointId: string,
    at: string,
    statusAt: string,
    find: () => Promise<TransactionRecord | null>,
    why: { status: string } = { status: "Available" },
  ): Promise<void> {
    const bootedAt = this.deps.registry.get(chargePointId)?.snapshot?.bootedAt ?? null;
    if (bootedAt === null) return;
    const tx = await find();
    if (!tx || tx.status !== "active" || tx.createdAt >= bootedAt) return;
    const added = await this.deps.flags.addFlag({
      transactionId: tx.transactionId,
      kind: "open_after_reboot",
      chargePointId: tx.chargePointId,
      connectorId: tx.connectorId,
      at,
      details: { bootedAt, startedAt: tx.startTimestamp, status: why.status, statusAt },
    });
    if (added) {
      this.deps.logger.warn("transaction open after a reboot", {
        chargePointId: tx.chargePointId,
        transactionId: tx.transactionId,
        connectorId: tx.connectorId,
      });
    }
  }
}

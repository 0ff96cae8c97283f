/**
 * A station's transactions: how a driver is authorized (local list, cache or Authorize.req), how a
 * transaction starts and stops, and the bookkeeping a real station keeps for it (the Central System's
 * transactionId, which may come after the station queued more messages; the readings for StopTransaction's
 * transactionData).
 */
import { decideSwipe, effectiveStatus } from "./authorization.ts";
import { installChargingProfile, withoutTxProfiles } from "./charging_profiles.ts";
import { configBool, configMeasurands } from "./configuration.ts";
import {
  beginTransaction,
  type Connector,
  endTransaction,
  plugIn,
  refuseStart,
  reservationAdmits,
  type Transaction,
} from "./connector.ts";
import type { ChargingProfile, IdTagInfo, MeterValue, StopReason } from "./ocpp.ts";
import type { VirtualStation } from "./station.ts";

export interface StartOutcome {
  /** The idTag's status (from the Central System, or the local list/cache), or why nothing started. */
  status: IdTagInfo["status"] | "Refused";
  transactionId?: number;
  reason?: string;
}

export class Transactions {
  #seq = 0;
  /** Central System transaction ids by our local id (StopTransaction may be queued before the id comes). */
  readonly #ids = new Map<number, number>();
  /** Readings for StopTransaction's transactionData, by local id. */
  readonly #data = new Map<number, MeterValue[]>();
  readonly #waiters = new Map<number, (outcome: StartOutcome) => void>();

  constructor(private readonly station: VirtualStation) {}

  /** The Central System's id of a transaction, once StartTransaction.conf brought it. */
  idOf(tx: Transaction): number | undefined {
    return this.#ids.get(tx.localId);
  }

  /** The connector running the Central System's transaction `transactionId`. */
  connectorOf(transactionId: number): Connector | undefined {
    return this.station.connectors.find((c) =>
      c.transaction && this.#ids.get(c.transaction.localId) === transactionId
    );
  }

  /** Keeps a reading for the transaction's StopTransaction (StopTxnAlignedData). */
  record(tx: Transaction, value: MeterValue): void {
    this.#data.get(tx.localId)?.push(value);
  }

  /**
   * Authorizes an idTag the way the configuration says: from the local list or cache, or by asking
   * (Authorize.req). null: refused without an answer (offline and unknown).
   */
  authorize(idTag: string): Promise<IdTagInfo | null> {
    const { station } = this;
    const settings = {
      online: station.canSend(),
      listEnabled: configBool(station.config, "LocalAuthListEnabled"),
      cacheEnabled: configBool(station.config, "AuthorizationCacheEnabled"),
      localPreAuthorize: configBool(station.config, "LocalPreAuthorize"),
      localAuthorizeOffline: configBool(station.config, "LocalAuthorizeOffline"),
      allowOfflineTxForUnknownId: configBool(station.config, "AllowOfflineTxForUnknownId"),
    };
    const decide = (online: boolean) =>
      decideSwipe(idTag, station.localList, station.cache, { ...settings, online }, station.clock.now());
    const decision = decide(settings.online);
    if (decision.decision !== "ask") return Promise.resolve(decision.info);
    return new Promise((resolve) => {
      station.push({
        action: "Authorize",
        payload: () => ({ idTag }),
        persistent: false,
        onResult: (response) => {
          const info = response.idTagInfo as IdTagInfo;
          this.remember(idTag, info);
          resolve(info);
        },
        // No answer: decide as an offline station would.
        onDropped: () => {
          const offline = decide(false);
          resolve(offline.decision === "ask" ? null : offline.info);
        },
      });
    });
  }

  /** Caches what the Central System said of an idTag (AuthorizationCacheEnabled, OCPP 1.6 §3.5.2). */
  remember(idTag: string, info: IdTagInfo): void {
    const { station } = this;
    if (!configBool(station.config, "AuthorizationCacheEnabled")) return;
    station.cache = new Map(station.cache).set(idTag.toLowerCase(), info);
  }

  isAccepted(info: IdTagInfo | null): boolean {
    return info !== null && effectiveStatus(info, this.station.clock.now()) === "Accepted";
  }

  /**
   * Starts a transaction on a connector whose driver is authorized: plugs in if needed, uses a reservation
   * the idTag holds, queues StartTransaction, and starts sampling. Returns our local transaction id.
   */
  start(connectorId: number, idTag: string, info: IdTagInfo | null, txProfile?: ChargingProfile): number {
    const { station } = this;
    station.meters.advance();
    station.cancel(`unplug:${connectorId}`);
    station.starting.delete(connectorId);
    let c = station.connector(connectorId) as Connector;
    if (!c.plugged) c = plugIn(c, station.newEv());
    const reservation = c.reservation && reservationAdmits(c.reservation, idTag, info?.parentIdTag)
      ? c.reservation
      : null;
    if (reservation) station.cancel(`reservation:${connectorId}`);
    const tx: Transaction = {
      localId: ++this.#seq,
      idTag,
      startedAt: station.clock.now(),
      meterStart: Math.floor(c.meter.energyWh),
      ...(reservation ? { reservationId: reservation.reservationId } : {}),
      ...(info?.parentIdTag ? { parentIdTag: info.parentIdTag } : {}),
    };
    station.update(connectorId, () => beginTransaction(c, tx));
    if (txProfile) station.profiles = installChargingProfile(station.profiles, connectorId, txProfile);
    const begin = configMeasurands(station.config, "StopTxnSampledData");
    this.#data.set(
      tx.localId,
      begin.length > 0 ? [station.meters.reading(connectorId, begin, "Transaction.Begin")] : [],
    );
    const timestamp = station.timestamp();
    station.log.info("transaction starting", { connectorId, idTag, meterStart: tx.meterStart });
    station.push({
      action: "StartTransaction",
      persistent: true,
      payload: () => ({
        connectorId,
        idTag,
        meterStart: tx.meterStart,
        timestamp,
        ...(tx.reservationId !== undefined ? { reservationId: tx.reservationId } : {}),
      }),
      onResult: (response) =>
        this.#started(connectorId, tx, response as { transactionId: number; idTagInfo: IdTagInfo }),
      onDropped: (why) => {
        station.log.warn("StartTransaction given up", { connectorId, why });
        this.#settle(tx.localId, { status: "Refused", reason: `StartTransaction failed: ${why}` });
      },
    });
    station.meters.refresh();
    station.syncStatuses();
    station.meters.follow(connectorId);
    return tx.localId;
  }

  #settle(localId: number, outcome: StartOutcome): void {
    this.#waiters.get(localId)?.(outcome);
    this.#waiters.delete(localId);
  }

  #started(
    connectorId: number,
    tx: Transaction,
    response: { transactionId: number; idTagInfo: IdTagInfo },
  ): void {
    const { station } = this;
    const { transactionId, idTagInfo } = response;
    this.#ids.set(tx.localId, transactionId);
    this.remember(tx.idTag, idTagInfo);
    const running = station.connector(connectorId)?.transaction?.localId === tx.localId;
    if (running) station.update(connectorId, (c) => ({ ...c, transaction: { ...tx, transactionId } }));
    station.log.info("transaction started", { connectorId, transactionId, idTagStatus: idTagInfo.status });
    this.#settle(tx.localId, { status: idTagInfo.status, transactionId });
    if (!running || this.isAccepted(idTagInfo)) return;
    // StopTransactionOnInvalidId (OCPP 1.6 §9.1): stop, or keep the transaction without energy.
    if (configBool(station.config, "StopTransactionOnInvalidId")) {
      this.stop(connectorId, "DeAuthorized");
      return;
    }
    station.meters.advance();
    station.update(
      connectorId,
      (c) => c.transaction ? { ...c, transaction: { ...c.transaction, deauthorized: true } } : c,
    );
    station.meters.refresh();
    station.syncStatuses();
  }

  /** Waits for the Central System's answer to a transaction's StartTransaction. */
  whenStarted(localId: number): Promise<StartOutcome> {
    const known = this.#ids.get(localId);
    if (known !== undefined) return Promise.resolve({ status: "Accepted", transactionId: known });
    return new Promise((resolve) => this.#waiters.set(localId, resolve));
  }

  /**
   * Stops the transaction on a connector: final reading, StopTransaction (with transactionData from
   * StopTxnSampledData/StopTxnAlignedData), its TxProfiles go, a scheduled availability change applies.
   */
  stop(connectorId: number, reason: StopReason, idTag?: string): boolean {
    const { station } = this;
    station.meters.advance();
    const c = station.connector(connectorId);
    const tx = c?.transaction;
    if (!c || !tx) return false;
    const meterStop = Math.floor(c.meter.energyWh);
    const timestamp = station.timestamp();
    const stopTxn = configMeasurands(station.config, "StopTxnSampledData");
    const transactionData = [...(this.#data.get(tx.localId) ?? [])];
    if (stopTxn.length > 0) {
      transactionData.push(station.meters.reading(connectorId, stopTxn, "Transaction.End"));
    }
    this.#data.delete(tx.localId);
    station.update(connectorId, endTransaction);
    station.profiles = withoutTxProfiles(station.profiles, connectorId);
    station.log.info("transaction stopping", {
      connectorId,
      reason,
      meterStop,
      energyWh: meterStop - tx.meterStart,
    });
    station.push({
      action: "StopTransaction",
      persistent: true,
      payload: () => {
        const transactionId = this.#ids.get(tx.localId);
        if (transactionId === undefined) return null;
        return {
          transactionId,
          meterStop,
          timestamp,
          reason,
          ...(idTag !== undefined ? { idTag } : {}),
          ...(transactionData.length > 0 ? { transactionData } : {}),
        };
      },
      onResult: (response) => {
        if (idTag !== undefined && response.idTagInfo) this.remember(idTag, response.idTagInfo as IdTagInfo);
        this.#ids.delete(tx.localId);
      },
      onDropped: (why) => station.log.warn("StopTransaction given up", { connectorId, why }),
    });
    station.meters.refresh();
    station.syncStatuses();
    station.meters.follow(connectorId);
    if (station.connector(connectorId)?.plugged) station.scheduleUnplug(connectorId);
    return true;
  }

  /**
   * A driver presents `idTag` at a connector (plugging in first if needed): authorized locally or by the
   * Central System, then StartTransaction. Resolves with the idTag status and the transaction id.
   */
  async startLocal(connectorId: number, idTag: string): Promise<StartOutcome> {
    const { station } = this;
    const c = station.connector(connectorId);
    if (!c) return { status: "Refused", reason: `connector ${connectorId} does not exist` };
    // The reservation is checked once the idTag's parent is known.
    const early = refuseStart({ ...c, reservation: null }, idTag) ??
      (station.starting.has(connectorId) ? "a start is under way" : null);
    if (early) return { status: "Refused", reason: early };
    station.starting.add(connectorId);
    station.plugIn(connectorId);
    const info = await this.authorize(idTag);
    station.starting.delete(connectorId);
    if (!info || !this.isAccepted(info)) {
      station.scheduleUnplug(connectorId);
      const status = info ? effectiveStatus(info, station.clock.now()) : "Invalid";
      return { status, reason: "idTag not accepted" };
    }
    const late = refuseStart(station.connector(connectorId) as Connector, idTag, info.parentIdTag);
    if (late) return { status: "Refused", reason: late };
    return this.whenStarted(this.start(connectorId, idTag, info));
  }

  /** The station stops: nobody waits for a StartTransaction.conf any more. */
  abandon(): void {
    for (const localId of [...this.#waiters.keys()]) {
      this.#settle(localId, { status: "Refused", reason: "station stopped" });
    }
  }
}

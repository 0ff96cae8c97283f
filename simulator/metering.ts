/**
 * A station's meters as time passes: what each connector is offered (hardware, charging profiles, its share
 * of the station cap), the energy that flows, and the MeterValues it sends (periodic, clock-aligned and
 * triggered). The physics is in `meter.ts` and `composite_schedule.ts`; this is its clock and its outbox.
 */
import { compositeSchedule, type ConnectorContext, limitAt } from "./composite_schedule.ts";
import { configInt, configMeasurands } from "./configuration.ts";
import { type Connector, hardwareW, minimumOfferW } from "./connector.ts";
import { advance, evDemandW, sampledValues } from "./meter.ts";
import type { ChargingRateUnit, ChargingSchedule, Measurand, MeterValue, ReadingContext } from "./ocpp.ts";
import type { VirtualStation } from "./station.ts";

/** Physics between meter samples: limits, a full battery and the station's share are looked at this often. */
const TICK_MS = 5000;

export class Metering {
  #lastAdvance: number;

  constructor(private readonly station: VirtualStation) {
    this.#lastAdvance = station.clock.now();
  }

  /** What a connector's limit depends on: its transaction (Relative profiles start there) and its wiring. */
  contextOf(c: Connector, relativeStart = this.station.clock.now()): ConnectorContext {
    const ctx: ConnectorContext = { connectorId: c.connectorId, electrical: c.electrical, relativeStart };
    if (c.transaction) {
      const transactionId = this.station.transactions.idOf(c.transaction);
      ctx.transaction = transactionId === undefined
        ? { startedAt: c.transaction.startedAt }
        : { startedAt: c.transaction.startedAt, transactionId };
    }
    return ctx;
  }

  /** What the station offers a connector at `t` in watts: hardware, profiles, its share of the station cap. */
  offerAt(c: Connector, t: number): number {
    const { station } = this;
    if (!c.transaction || c.transaction.deauthorized || c.fault || station.station.fault) return 0;
    let watts = hardwareW(c);
    const limit = limitAt(station.profiles, t, this.contextOf(c));
    if (limit !== null) watts = Math.min(watts, limit);
    const cap = limitAt(station.profiles, t, { connectorId: 0, electrical: c.electrical, relativeStart: t });
    if (cap !== null) {
      const sharing = station.connectors.filter((x) =>
        x.transaction && !x.transaction.deauthorized && !x.fault
      );
      watts = Math.min(watts, cap / Math.max(1, sharing.length));
    }
    // Below the least current a car can take, a real station pauses instead (IEC 61851-1).
    return watts < minimumOfferW(c) ? 0 : watts;
  }

  /** Integrates every meter up to now at the limits in force so far. Call before anything changes them. */
  advance(): void {
    const now = this.station.clock.now();
    const from = this.#lastAdvance;
    this.#lastAdvance = now;
    if (now <= from) return;
    this.station.connectors = this.station.connectors.map((c) => {
      if (!c.transaction || !c.ev) return c;
      const next = advance(c.meter, c.ev, from, now, (t) => this.offerAt(c, t));
      return { ...c, meter: next.meter, ev: next.ev };
    });
  }

  /** Re-reads every connector's offer and draw after a change (profile, transaction, fault). */
  refresh(): void {
    const now = this.station.clock.now();
    this.station.connectors = this.station.connectors.map((c) => {
      const offeredW = this.offerAt(c, now);
      const powerW = c.ev && c.transaction ? evDemandW(c.ev, offeredW) : 0;
      return { ...c, meter: { ...c.meter, offeredW, powerW } };
    });
  }

  /** `advance()` then `refresh()`: the meters are current and so are the offers. */
  settle(): void {
    this.advance();
    this.refresh();
  }

  /** A reading of a connector (0: the station's main meter, the sum of all). */
  reading(connectorId: number, measurands: readonly Measurand[], context: ReadingContext): MeterValue {
    const { station } = this;
    const timestamp = station.timestamp();
    if (connectorId === 0) {
      const sum = (f: (c: Connector) => number) => station.connectors.reduce((total, c) => total + f(c), 0);
      const main = {
        energyWh: sum((c) => c.meter.energyWh),
        powerW: sum((c) => c.meter.powerW),
        offeredW: 0,
      };
      main.offeredW = sum((c) => c.meter.offeredW);
      const electrical = (station.connectors[0] as Connector).electrical;
      return { timestamp, sampledValue: sampledValues(main, null, measurands, context, electrical) };
    }
    const c = station.connector(connectorId) as Connector;
    return { timestamp, sampledValue: sampledValues(c.meter, c.ev, measurands, context, c.electrical) };
  }

  /**
   * Queues a MeterValues for a connector with the measurands of `measurandsKey`. One of a transaction is a
   * transaction message (kept and retried), carrying the transactionId StartTransaction brought.
   */
  send(connectorId: number, context: ReadingContext, measurandsKey: string): void {
    const { station } = this;
    const measurands = configMeasurands(station.config, measurandsKey);
    if (measurands.length === 0) return;
    const value = this.reading(connectorId, measurands, context);
    const tx = station.connector(connectorId)?.transaction ?? null;
    station.push({
      action: "MeterValues",
      persistent: tx !== null,
      payload: () => {
        const transactionId = tx ? station.transactions.idOf(tx) : undefined;
        return transactionId === undefined
          ? { connectorId, meterValue: [value] }
          : { connectorId, transactionId, meterValue: [value] };
      },
    });
  }

  /** A transaction started or stopped: its connector's sampling and the physics tick follow. */
  follow(connectorId: number): void {
    if (this.station.connector(connectorId)?.transaction) this.#sample(connectorId);
    else this.station.cancel(`meter:${connectorId}`);
    this.#tick();
  }

  /** MeterValueSampleInterval changed: running samplers take the new interval. */
  resample(): void {
    for (const c of this.station.connectors) if (c.transaction) this.#sample(c.connectorId);
  }

  #sample(connectorId: number): void {
    const { station } = this;
    const seconds = configInt(station.config, "MeterValueSampleInterval");
    if (seconds <= 0) return station.cancel(`meter:${connectorId}`);
    station.schedule(`meter:${connectorId}`, seconds * 1000, () => {
      if (!station.connector(connectorId)?.transaction) return;
      this.settle();
      this.send(connectorId, "Sample.Periodic", "MeterValuesSampledData");
      station.syncStatuses();
      this.#sample(connectorId);
    });
  }

  #tick(): void {
    const { station } = this;
    if (!station.connectors.some((c) => c.transaction)) return station.cancel("tick");
    station.schedule("tick", TICK_MS, () => {
      this.settle();
      station.syncStatuses();
      this.#tick();
    });
  }

  /** Clock-aligned readings (ClockAlignedDataInterval, OCPP 1.6 §4.7) at each whole interval of the day. */
  align(): void {
    const { station } = this;
    const seconds = configInt(station.config, "ClockAlignedDataInterval");
    if (seconds <= 0) return station.cancel("aligned");
    const period = seconds * 1000;
    const now = station.clock.now();
    station.schedule("aligned", Math.floor(now / period) * period + period - now, () => {
      this.settle();
      const stopTxnAligned = configMeasurands(station.config, "StopTxnAlignedData");
      for (const c of station.connectors) {
        this.send(c.connectorId, "Sample.Clock", "MeterValuesAlignedData");
        if (c.transaction && stopTxnAligned.length > 0) {
          station.transactions.record(
            c.transaction,
            this.reading(c.connectorId, stopTxnAligned, "Sample.Clock"),
          );
        }
      }
      this.align();
    });
  }

  /** GetCompositeSchedule's schedule for a connector (0: the station) from now. */
  compositeSchedule(connectorId: number, durationS: number, unit: ChargingRateUnit): ChargingSchedule {
    const { station } = this;
    const start = Math.floor(station.clock.now() / 1000) * 1000;
    if (connectorId === 0) {
      const electrical = (station.connectors[0] as Connector).electrical;
      const total = station.connectors.reduce((sum, c) => sum + hardwareW(c), 0);
      const ctx = { connectorId: 0, electrical, relativeStart: start };
      return compositeSchedule(station.profiles, ctx, start, durationS, unit, total);
    }
    const c = station.connector(connectorId) as Connector;
    return compositeSchedule(
      station.profiles,
      this.contextOf(c, start),
      start,
      durationS,
      unit,
      hardwareW(c),
    );
  }
}

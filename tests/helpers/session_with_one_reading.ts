/**
 * A running session with one energy reading, as the transaction-page browser tests start from: a station
 * started it on connector 1 an hour ago and sent one Energy.Active.Import.Register reading ten minutes in, so
 * the page opens with a chart of one reading and a close-by-hand form that proposes it; the test then sends
 * more readings with `reading()`, each as the station would (one MeterValues frame).
 */
import type { Station } from "./station.ts";

export interface SessionWithOneReading {
  transactionId: number;
  /** Sends one energy register reading of `wh`, taken at `timestamp`, for the session. */
  reading(timestamp: string, wh: number): Promise<unknown>;
}

/** The time `m` minutes ago, as a station stamps it: the session's readings are placed by it. */
export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

export async function startSessionWithOneReading(
  station: Station,
  session: {
    idTag: string;
    meterStart: number;
    /** The one reading's value (Wh). */
    firstReading: number;
    /** The readings' unit, when they give one (Wh is the register's default without it). */
    unit?: "Wh";
  },
): Promise<SessionWithOneReading> {
  const { transactionId } = await station.call("StartTransaction", {
    connectorId: 1,
    idTag: session.idTag,
    meterStart: session.meterStart,
    timestamp: minutesAgo(60),
  }) as { transactionId: number };
  const unit = session.unit ? { unit: session.unit } : {};
  const reading = (timestamp: string, wh: number) =>
    station.call("MeterValues", {
      connectorId: 1,
      transactionId,
      meterValue: [{
        timestamp,
        sampledValue: [{ value: String(wh), measurand: "Energy.Active.Import.Register", ...unit }],
      }],
    });
  await reading(minutesAgo(50), session.firstReading);
  return { transactionId, reading };
}

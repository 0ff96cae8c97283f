/**
 * Closes a stuck transaction by hand (admins only), through `POST /api/v1/transactions/{id}/close`: when it
 * ended, the meter value then, and why. Proposed from the session's newest energy reading (the best guess of
 * where it stopped), followed live (islands/newest_reading.ts) so a session that went on charging is not
 * closed with the reading of the page's load; a value the admin typed is kept, the newest reading offered
 * beside it. The station's own stop, if it ever comes, replaces the estimate. A session its station
 * still runs is said to be (followed live: a disconnect or a reconnect changes it): it is stopped instead, with
 * the page's Stop charging (islands/StopTransaction.tsx).
 * When the station reports the session's end while the page is open (or while its event stream was down:
 * read again at each open), the form gives way to that end: there is nothing left to stop or close.
 */
import { useState } from "preact/hooks";
import { Time } from "../components/time.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { CLOSED_BY_OPERATOR } from "../model/transaction.ts";
import type { LiveCursor } from "../overview/live_cursor.ts";
import type { Point } from "../overview/meter_series.ts";
import type { StopReach } from "../overview/stop_reach.ts";
import { useStopReach } from "./live_stop_reach.ts";
import { useNewestReading } from "./newest_reading.ts";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch, useEvents } from "./client.tsx";
import { useTransactionAtOpen } from "./transaction_at_open.ts";

export interface CloseTransactionProps {
  transactionId: number;
  /** Its station, whose events tell when the session ends. */
  chargePointId: string;
  /** The server's time when the page was made: the proposed end of a session without readings. */
  serverNow: string;
  meterStart: number;
  /** The last energy register reading (Wh) and its time (ms), if any. */
  lastReading: { t: number; v: number } | null;
  /** Where the page's reading of meter values stopped: newer readings are asked for from it. */
  cursor: LiveCursor;
  /** 1.6: its connector; 2.0.1: its EVSE. */
  connectorId: number;
  /** A 2.0.1 session's own id (its station is asked to stop it by it). */
  stationTransactionId?: string;
  /**
   * Whether a stop reaches its station, as the page was made (null: its station is unknown), followed live:
   * while it is connected and still reports the session (not forgotten, still charging), the form says so.
   */
  reach: StopReach | null;
}

/** `ms` as a datetime-local value in the browser's time zone (minutes). */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The end proposed from `reading` (the form's values). */
function proposedEnd(reading: Point | null, props: CloseTransactionProps) {
  return {
    // Without a reading, the page's time: the server's, not a browser clock that may be minutes off.
    endedAt: localInput(reading?.t ?? Date.parse(props.serverNow)),
    meterStop: String(Math.round(reading?.v ?? props.meterStart)),
  };
}

export default function CloseTransaction(props: CloseTransactionProps) {
  const newest = useNewestReading(props, props.lastReading, props.cursor);
  const proposed = proposedEnd(newest, props);
  // The admin's own end, once they type one (time and value are one reading's: both stop following).
  const [typed, setTyped] = useState<typeof proposed | null>(null);
  const { endedAt, meterStop } = typed ?? proposed;
  const setEndedAt = (value: string) => setTyped({ endedAt: value, meterStop });
  const setMeterStop = (value: string) => setTyped({ endedAt, meterStop: value });
  const offered = typed !== null && newest !== null &&
    (typed.endedAt !== proposed.endedAt || typed.meterStop !== proposed.meterStop);
  const [reason, setReason] = useState("");
  const { busy, result, run } = useAction();
  // Connected and still reporting it, followed live (live_stop_reach.ts): a disconnect takes the warning away,
  // a reconnect that still reports the session brings it back.
  const running = useStopReach(props, props.reach)?.kind === "running";
  /** The session's end, when the station reported it after the page was made. */
  const [ended, setEnded] = useState<{ at: string | null; reason: string | null; byHand: boolean } | null>(
    null,
  );
  const endedBy = (tx: Transaction) => {
    if (tx.status === "active") return;
    setEnded({ at: tx.stopTimestamp, reason: tx.stopReason, byHand: tx.stopReason === CLOSED_BY_OPERATOR });
  };
  // An end reported while the stream was down, read at each open once for the page (transaction_at_open.ts).
  useTransactionAtOpen(props, ({ transaction }) => {
    if (transaction) endedBy(transaction);
  });
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type === "transaction" && event.transaction.transactionId === props.transactionId) {
      endedBy(event.transaction);
    }
  });

  if (ended) {
    return (
      <section class="card" aria-labelledby="close-title" data-close-transaction data-ended>
        <div class="card-head">
          <h2 id="close-title">Close by hand</h2>
        </div>
        <p role="status">
          {ended.byHand ? "It was closed by hand" : "The station ended this session"}{" "}
          while the page was open{ended.at
            ? (
              <>
                , at <Time iso={ended.at} />
              </>
            )
            : ""}
          {ended.reason ? ` (${ended.reason})` : ""}: there is nothing left to stop or close.{" "}
          <a href="">Reload</a> for its final values.
        </p>
      </section>
    );
  }

  const close = (e: Event) => {
    e.preventDefault();
    const warning = running
      ? `${props.chargePointId} is connected and still reports it: closing it here does not ` +
        "stop the charging (Stop charging does). "
      : "";
    const question = `${warning}Close transaction #${props.transactionId} by hand? It is stopped with the ` +
      "values given; the station's own stop, if it comes later, replaces them.";
    if (!confirm(question)) return;
    void run("Closed by hand", async () => {
      await apiFetch(`/api/v1/transactions/${props.transactionId}/close`, {
        method: "POST",
        body: {
          timestamp: new Date(endedAt).toISOString(),
          meterStop: Number(meterStop),
          reason: reason.trim(),
        },
      });
      location.reload();
    });
  };

  return (
    <section class="card" aria-labelledby="close-title" data-close-transaction>
      <div class="card-head">
        <h2 id="close-title">Close by hand</h2>
      </div>
      <p class="muted small">
        For a session the station forgot (a reboot, a lost stop): it is stopped as closed by an operator, and
        its connector is free again.
      </p>
      {running && (
        <div class="warn" role="alert" data-still-running>
          <p>
            {props.chargePointId} is connected and still reports this session on{" "}
            {props.stationTransactionId === undefined ? "connector" : "EVSE"}{" "}
            {props.connectorId}: it is not forgotten. Closing it here does not stop the charging; Stop
            charging (above) asks{" "}
            <a href={`/stations/${encodeURIComponent(props.chargePointId)}`}>the station</a> to end it.
          </p>
        </div>
      )}
      <form class="action" onSubmit={close}>
        <label>
          Ended at (your time)
          <input
            type="datetime-local"
            name="endedAt"
            required
            value={endedAt}
            onInput={(e) => setEndedAt(e.currentTarget.value)}
          />
        </label>
        <label>
          Meter at the end (Wh)
          <input
            type="number"
            name="meterStop"
            required
            min={props.meterStart}
            step={1}
            value={meterStop}
            onInput={(e) => setMeterStop(e.currentTarget.value)}
          />
        </label>
        {offered && (
          <p class="muted small" data-newest-reading>
            The newest reading: {Number(proposed.meterStop)} Wh at{" "}
            <Time iso={new Date(newest.t).toISOString()} />{" "}
            <button type="button" onClick={() => setTyped(null)}>Use it</button>
          </p>
        )}
        <label>
          Reason
          <input
            name="reason"
            required
            maxLength={500}
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        </label>
        <button type="submit" class="danger" disabled={busy}>Close transaction</button>
      </form>
      <ResultLine result={result} />
    </section>
  );
}

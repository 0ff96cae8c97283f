/**
 * Stop charging, on a transaction's page (operators and admins), while the session runs: asks the station to
 * end it, after a confirmation, as the station page's Commands form would (RemoteStopTransaction with our id
 * on 1.6, RequestStopTransaction with the station's own id on 2.0.1). The session ends when the station
 * reports its stop; the button then gives way, live or at the stream's next open (an end reported while the
 * stream was down).
 *
 * A stop reaches only a connected station that still reports the session (overview/stop_reach.ts). Otherwise
 * the button stays, disabled, with the reason: offline (since when; nothing keeps a stop for its return, so
 * it is offered again once the station reconnects, live), or connected without the session on its connector
 * (it ended or forgot it); in both cases the way out of a forgotten session is Close by hand (admins).
 */
import { useState } from "preact/hooks";
import { Time } from "../components/time.tsx";
import type { StationEvent } from "../components/types.ts";
import type { StopReach } from "../overview/stop_reach.ts";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch, useEvents } from "./client.tsx";
import { useStopReach } from "./live_stop_reach.ts";
import { useTransactionAtOpen } from "./transaction_at_open.ts";

export interface StopTransactionProps {
  transactionId: number;
  chargePointId: string;
  /** 1.6: its connector; 2.0.1: its EVSE. */
  connectorId: number;
  /** A 2.0.1 session's own id, which its station is asked to stop by. */
  stationTransactionId?: string;
  /** Whether a stop reaches its station, as the page was made. */
  reach: StopReach;
  /** The viewer is an admin: the page's Close by hand form is below. */
  canClose: boolean;
}

export default function StopTransaction(props: StopTransactionProps) {
  const [ended, setEnded] = useState(false);
  // Offline at a disconnect, read again at a connect or open, once for the page (live_stop_reach.ts).
  const reach = useStopReach(props, props.reach) ?? props.reach;
  const stopping = useAction();
  const station = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;
  // An end reported while the stream was down, read at each open once for the page (transaction_at_open.ts).
  useTransactionAtOpen(props, ({ status }) => {
    if (status !== "active") setEnded(true);
  });
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type !== "transaction" || event.transaction.transactionId !== props.transactionId) return;
    if (event.transaction.status !== "active") setEnded(true);
  });
  if (ended) return null;

  const is201 = props.stationTransactionId !== undefined;
  const place = `${is201 ? "EVSE" : "connector"} ${props.connectorId}`;
  const stop = () => {
    if (!confirm(`Ask ${props.chargePointId} to stop transaction #${props.transactionId}?`)) return;
    const [action, payload] = is201
      ? ["RequestStopTransaction", { transactionId: props.stationTransactionId }]
      : ["RemoteStopTransaction", { transactionId: props.transactionId }];
    void stopping.run("", async () => {
      const answer = await apiFetch<{ status?: string }>(`${station}/${action}`, {
        method: "POST",
        body: payload,
      });
      return `${props.chargePointId} answered ${action} with ${answer.status ?? "no status"}: ` +
        "the session ends when the station reports its stop.";
    });
  };
  const closeByHand = props.canClose
    ? <a href="#close-title">close it by hand</a>
    : "an admin can close it by hand on this page";
  return (
    <section class="card" aria-labelledby="stop-title" data-stop-transaction data-reach={reach.kind}>
      <div class="card-head">
        <h2 id="stop-title">Charging</h2>
      </div>
      {reach.kind === "running" && (
        <p>
          {props.chargePointId} is connected and runs this session on {place}.
        </p>
      )}
      {reach.kind === "offline" && (
        <p class="warn" id="stop-why" data-stop-why>
          {props.chargePointId} is offline{reach.lastSeen
            ? (
              <>
                {" "}(last seen <Time iso={reach.lastSeen} />)
              </>
            )
            : ""}: a stop cannot reach it, and none is kept for when it comes back. Stop charging is offered
          again as soon as it reconnects; a station that went on charging offline reports the session's end
          then. If it forgot the session (a reboot, a lost stop), {closeByHand}.
        </p>
      )}
      {reach.kind === "notReported" && (
        <p class="warn" id="stop-why" data-stop-why>
          {props.chargePointId} is connected but does not report this session on{" "}
          {place}: it ended or forgot it, so a stop would find nothing to stop. If it ended it, its stop comes
          on its own; if it forgot it, {closeByHand}.
        </p>
      )}
      <button
        type="button"
        class="danger"
        disabled={stopping.busy || reach.kind !== "running"}
        aria-describedby={reach.kind === "running" ? undefined : "stop-why"}
        onClick={stop}
      >
        Stop charging
      </button>
      <div data-stop-result>
        <ResultLine result={stopping.result} />
      </div>
    </section>
  );
}

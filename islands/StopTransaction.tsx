/**
 * Stop charging, on a transaction's page (operators and admins), while its station is connected and still
 * runs the session: asks the station to end it, after a confirmation, as the station page's Commands form
 * would (RemoteStopTransaction with our id on 1.6, RequestStopTransaction with the station's own id on
 * 2.0.1). The session ends when the station reports its stop; the button then gives way, live or at the
 * stream's next open (an end reported while the stream was down).
 */
import { useState } from "preact/hooks";
import type { StationEvent, Transaction } from "../components/types.ts";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch, useEvents } from "./client.tsx";

export interface StopTransactionProps {
  transactionId: number;
  chargePointId: string;
  /** 1.6: its connector; 2.0.1: its EVSE. */
  connectorId: number;
  /** A 2.0.1 session's own id, which its station is asked to stop by. */
  stationTransactionId?: string;
}

export default function StopTransaction(props: StopTransactionProps) {
  const [ended, setEnded] = useState(false);
  const stopping = useAction();
  const reread = async () => {
    try {
      const { items } = await apiFetch<{ items: { status: Transaction["status"] }[] }>(
        `/api/v1/transactions/energy?ids=${props.transactionId}`,
      );
      if (items[0] && items[0].status !== "active") setEnded(true);
    } catch {
      // Offered as it was; the next open tries again.
    }
  };
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type !== "transaction" || event.transaction.transactionId !== props.transactionId) return;
    if (event.transaction.status !== "active") setEnded(true);
  }, () => void reread());
  if (ended) return null;

  const is201 = props.stationTransactionId !== undefined;
  const stop = () => {
    if (!confirm(`Ask ${props.chargePointId} to stop transaction #${props.transactionId}?`)) return;
    const [action, payload] = is201
      ? ["RequestStopTransaction", { transactionId: props.stationTransactionId }]
      : ["RemoteStopTransaction", { transactionId: props.transactionId }];
    void stopping.run("", async () => {
      const answer = await apiFetch<{ status?: string }>(
        `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}/${action}`,
        { method: "POST", body: payload },
      );
      return `${props.chargePointId} answered ${action} with ${answer.status ?? "no status"}: ` +
        "the session ends when the station reports its stop.";
    });
  };
  return (
    <section class="card" aria-labelledby="stop-title" data-stop-transaction>
      <div class="card-head">
        <h2 id="stop-title">Charging</h2>
      </div>
      <p>
        {props.chargePointId} is connected and runs this session on {is201 ? "EVSE" : "connector"}{" "}
        {props.connectorId}.
      </p>
      <button type="button" class="danger" disabled={stopping.busy} onClick={stop}>Stop charging</button>
      <div data-stop-result>
        <ResultLine result={stopping.result} />
      </div>
    </section>
  );
}

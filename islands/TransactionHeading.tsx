/**
 * A transaction page's heading with its status, live: the session's end (or a newer session superseding it),
 * reported by its station while the page is open, shows at once, as the chart below it does
 * (islands/TransactionChart.tsx), not only after a reload.
 */
import { useState } from "preact/hooks";
import { TransactionStatus } from "../components/transaction_status.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { useEvents } from "./client.tsx";

export interface TransactionHeadingProps {
  transactionId: number;
  chargePointId: string;
  status: Transaction["status"];
  supersededBy: number | null;
}

export default function TransactionHeading(props: TransactionHeadingProps) {
  const [tx, setTx] = useState({ status: props.status, supersededBy: props.supersededBy });
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type !== "transaction" || event.transaction.transactionId !== props.transactionId) return;
    setTx({ status: event.transaction.status, supersededBy: event.transaction.supersededBy });
  });
  return (
    <h1>
      Transaction #{props.transactionId} <TransactionStatus tx={tx} />
    </h1>
  );
}

/**
 * A transaction page's heading with its status, live: the session's end (or a newer session superseding it),
 * reported by its station while the page is open, shows at once, as the chart below it does
 * (islands/TransactionChart.tsx), not only after a reload. At each stream open it is read again, once for the
 * page (islands/transaction_at_open.ts): an end reported while the stream was down came on no stream.
 */
import { useState } from "preact/hooks";
import { TransactionStatus } from "../components/transaction_status.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { useEvents } from "./client.tsx";
import { useTransactionAtOpen } from "./transaction_at_open.ts";

export interface TransactionHeadingProps {
  transactionId: number;
  chargePointId: string;
  status: Transaction["status"];
  supersededBy: number | null;
}

type Shown = Pick<Transaction, "status" | "supersededBy">;

/**
 * A session only moves forward (active, then superseded, then finished: a superseded one still finishes when
 * its late stop arrives), so a read answered after a newer event cannot put an older status back.
 */
const STAGE: Record<Transaction["status"], number> = { active: 0, superseded: 1, finished: 2 };

export default function TransactionHeading(props: TransactionHeadingProps) {
  const [tx, setTx] = useState<Shown>({ status: props.status, supersededBy: props.supersededBy });
  const advance = (next: Shown) => setTx((shown) => STAGE[next.status] >= STAGE[shown.status] ? next : shown);

  // At each stream open, read once for the page (transaction_at_open.ts): an end reported while it was down.
  useTransactionAtOpen(props, ({ transaction }) => {
    if (transaction) advance({ status: transaction.status, supersededBy: transaction.supersededBy });
  });
  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type !== "transaction" || event.transaction.transactionId !== props.transactionId) return;
    advance({ status: event.transaction.status, supersededBy: event.transaction.supersededBy });
  });
  return (
    <h1>
      Transaction #{props.transactionId} <TransactionStatus tx={tx} />
    </h1>
  );
}

/**
 * A transaction page's heading with its status, live: the session's end (or a newer session superseding it),
 * reported by its station while the page is open, shows at once, as the chart below it does
 * (islands/TransactionChart.tsx), not only after a reload. At each stream open it is read again: an end
 * reported while the stream was down (a server restart, a network blip) came on no stream.
 */
import { useState } from "preact/hooks";
import { TransactionStatus } from "../components/transaction_status.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { apiFetch, useEvents } from "./client.tsx";

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

  const reread = async () => {
    try {
      // The energy read brings the whole row of a session no longer running, and only the status of one
      // that runs (which then has nothing new to show).
      const { items } = await apiFetch<{ items: { transaction?: Transaction }[] }>(
        `/api/v1/transactions/energy?ids=${props.transactionId}`,
      );
      const ended = items[0]?.transaction;
      if (ended) advance({ status: ended.status, supersededBy: ended.supersededBy });
    } catch {
      // Shown as it was; the next open tries again.
    }
  };

  useEvents(`chargePointId=${encodeURIComponent(props.chargePointId)}`, (event: StationEvent) => {
    if (event.type !== "transaction" || event.transaction.transactionId !== props.transactionId) return;
    advance({ status: event.transaction.status, supersededBy: event.transaction.supersededBy });
  }, () => void reread());
  return (
    <h1>
      Transaction #{props.transactionId} <TransactionStatus tx={tx} />
    </h1>
  );
}

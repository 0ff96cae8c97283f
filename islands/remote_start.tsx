/**
 * What follows a remote start, in the dialect it was sent in: the note under the answer says what the station
 * does next and why no transaction may show up, then links the transaction it started. OCPP 1.6
 * (RemoteStartTransaction) starts one with StartTransaction, found by id tag and connector; OCPP 2.0.1
 * (RequestStartTransaction) reports TransactionEvent Started with the remoteStartId the API allocated, under a
 * transaction id of its own (a string), and may name in its answer a session already running (2.0.1 F02).
 * Events that come before the answer are kept, so a station quicker than its answer is still found.
 */
import { useRef, useState } from "preact/hooks";
import type { StationEvent } from "../components/types.ts";
import { apiFetch, useEvents } from "./client.tsx";

type Transaction = Extract<StationEvent, { type: "transaction" }>["transaction"];

export const REMOTE_START_ACTIONS = new Set(["RemoteStartTransaction", "RequestStartTransaction"]);

/** Whom a remote start names: 2.0.1's token, EVSE and remoteStartId, 1.6's tag and connector. */
interface StartAsked {
  is201: boolean;
  idTag: string;
  connectorId: number | undefined;
  remoteStartId: number | undefined;
  /** 2.0.1 F02: the session the station said was already running (its answer's `transactionId`). */
  stationTransactionId: string | undefined;
}

export interface RemoteStart {
  asked: StartAsked;
  /** "waiting" once the station accepted, "refused" when it did not, "started" once the transaction is known. */
  phase: "sending" | "waiting" | "refused" | "started";
  transaction: { transactionId: number; stationTransactionId: string | undefined } | null;
}

function askedOf(action: string, payload: Record<string, unknown>): StartAsked {
  const token = payload["idToken"] as { idToken?: string } | undefined;
  const is201 = action === "RequestStartTransaction";
  return {
    is201,
    idTag: String(is201 ? token?.idToken ?? "" : payload["idTag"] ?? ""),
    connectorId: (is201 ? payload["evseId"] : payload["connectorId"]) as number | undefined,
    remoteStartId: payload["remoteStartId"] as number | undefined,
    stationTransactionId: undefined,
  };
}

/** Whether `tx` is the one the start made: by remoteStartId or the station's id when known, else id tag. */
function startedBy(asked: StartAsked, tx: Transaction): boolean {
  if (tx.status !== "active") return false;
  if (asked.remoteStartId !== undefined && tx.remoteStartId === asked.remoteStartId) return true;
  if (asked.stationTransactionId !== undefined && tx.stationTransactionId === asked.stationTransactionId) {
    return true;
  }
  return asked.idTag !== "" && tx.idTag.toLowerCase() === asked.idTag.toLowerCase() &&
    (asked.connectorId === undefined || tx.connectorId === asked.connectorId);
}

/** Follows a station's remote starts: `sending()` before the command goes, `answered()`/`failed()` after. */
export function useRemoteStart(chargePointId: string) {
  const [start, setStart] = useState<RemoteStart | null>(null);
  const current = useRef<RemoteStart | null>(null);
  /** Transactions heard since the start was sent: the station may start before its answer arrives. */
  const heard = useRef<Transaction[]>([]);
  const update = (next: RemoteStart | null) => {
    current.current = next;
    setStart(next);
  };
  const found = (s: RemoteStart, tx: Transaction) =>
    update({
      ...s,
      phase: "started",
      transaction: { transactionId: tx.transactionId, stationTransactionId: tx.stationTransactionId },
    });
  const query = `chargePointId=${encodeURIComponent(chargePointId)}`;
  useEvents(query, (event) => {
    const s = current.current;
    if (s === null || event.type !== "transaction") return;
    if (s.phase === "sending") heard.current.push(event.transaction);
    else if (s.phase === "waiting" && startedBy(s.asked, event.transaction)) found(s, event.transaction);
  });
  return {
    start,
    sending(action: string, payload: Record<string, unknown>) {
      heard.current = [];
      update({ asked: askedOf(action, payload), phase: "sending", transaction: null });
    },
    answered(answer: unknown) {
      const s = current.current;
      if (s === null) return;
      const a = (answer ?? {}) as { status?: string; remoteStartId?: number; transactionId?: string };
      if (a.status !== "Accepted") return update({ ...s, phase: "refused" });
      const asked: StartAsked = {
        ...s.asked,
        ...(typeof a.remoteStartId === "number" ? { remoteStartId: a.remoteStartId } : {}),
        ...(typeof a.transactionId === "string" ? { stationTransactionId: a.transactionId } : {}),
      };
      const waiting: RemoteStart = { asked, phase: "waiting", transaction: null };
      update(waiting);
      const early = [...heard.current].reverse().find((tx) => startedBy(asked, tx));
      if (early) return found(waiting, early);
      // 2.0.1 F02: a session already running is not started again; our ledger has it by the station's id.
      if (asked.stationTransactionId !== undefined) {
        void apiFetch<{ items: Transaction[] }>(
          `/api/v1/transactions?${query}&status=active&limit=100`,
        ).then(({ items }) => {
          const tx = items.find((t) => t.stationTransactionId === asked.stationTransactionId);
          if (tx && current.current?.asked === asked) found(current.current, tx);
        }).catch(() => {});
      }
    },
    failed() {
      update(null);
    },
  };
}

/** The note under a remote start's answer: what happens next, why it may not, and the transaction once known. */
export function RemoteStartNote(props: { start: RemoteStart | null }) {
  const { start } = props;
  if (start === null || start.phase === "sending") return null;
  const { asked, transaction } = start;
  if (start.phase === "refused") {
    return (
      <p class="small" data-remote-start="refused">
        The station refused: no {asked.is201 ? "session" : "transaction"} starts.
      </p>
    );
  }
  if (transaction !== null) {
    return (
      <p data-remote-start="started" data-started-transaction={transaction.transactionId}>
        <a href={`/transactions/${transaction.transactionId}`}>
          Transaction #{transaction.transactionId}
          {transaction.stationTransactionId !== undefined
            ? ` (station's id ${transaction.stationTransactionId})`
            : ""}
          {asked.stationTransactionId !== undefined
            ? " was already running: the start applies to it →"
            : " started →"}
        </a>
      </p>
    );
  }
  if (!asked.is201) {
    return (
      <p class="muted small" data-remote-start="waiting" data-dialect="ocpp1.6">
        Waiting for the station to start the transaction… Accepted means it will try: it sends
        StartTransaction once an EV is plugged in, within its ConnectionTimeOut. None shows up if no EV is
        connected in time, or if it authorizes the id tag first (AuthorizeRemoteTxRequests) and the tag is not
        accepted.
      </p>
    );
  }
  if (asked.stationTransactionId !== undefined) {
    return (
      <p class="muted small" data-remote-start="waiting" data-dialect="ocpp2.0.1">
        The station already had session {asked.stationTransactionId}{" "}
        running (an EV plugged in before the start): the start applies to it; looking it up…
      </p>
    );
  }
  return (
    <p class="muted small" data-remote-start="waiting" data-dialect="ocpp2.0.1">
      Waiting for the station to start the session… Accepted means it will try: it sends TransactionEvent
      Started (remoteStartId{" "}
      {asked.remoteStartId ?? "?"}) under a transaction id of its own once an EV is connected, within its
      EVConnectionTimeOut. None shows up if no EV is connected in time, or if it authorizes the token first
      (AuthorizeRemoteStart) and the token is not accepted.
    </p>
  );
}

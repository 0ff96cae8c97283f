/**
 * The transactions list, live: running sessions show their energy so far (asked for every five seconds) and
 * their duration ticking; a session that stops changes its row (on a station's page, one it starts is added);
 * stop reasons, bad-tag flags and what "superseded" means are on the row.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatDuration } from "../components/duration.ts";
import { useServerNow } from "./server_clock.ts";
import { formatEnergy } from "../components/format.ts";
import { Time } from "../components/time.tsx";
import { BadTagFlag, ImplausibleEnergyFlag, TransactionStatus } from "../components/transaction_status.tsx";
import type { StationEvent, Transaction } from "../components/types.ts";
import { apiFetch, LiveDot, useEvents } from "./client.tsx";
import { overtakenSnapshots } from "./overtaken_snapshots.ts";

export interface TransactionTableProps {
  rows: Transaction[];
  /** Energy so far of the running ones (Wh), by transaction id. */
  energy: Record<string, number>;
  /** Running ones whose readings so far no meter makes, why, by transaction id (their energy is unknown). */
  implausible?: Record<string, Implausible>;
  /** When the page was made: durations are counted from it until the browser's clock takes over. */
  generatedAt: string;
  /**
   * One station's newest sessions (its page): sessions it starts are added on top, `limit` rows kept. Without
   * it the rows are a page of a filtered list, where a new session has no known place: only rows change.
   */
  station?: { chargePointId: string; limit: number };
}

type Implausible = NonNullable<Transaction["energyImplausible"]>;

/** What `/api/v1/transactions/energy` says of one transaction. */
interface EnergyItem {
  transactionId: number;
  energyWh: number;
  energyImplausible?: Implausible;
  /** No longer running: the whole row. */
  transaction?: Transaction;
}

/** How often the running rows' energy so far is asked for. */
const ENERGY_EVERY_MS = 5000;

export default function TransactionTable(props: TransactionTableProps) {
  const [rows, setRows] = useState(props.rows);
  const [energy, setEnergy] = useState(props.energy);
  const [implausible, setImplausible] = useState(props.implausible ?? {});
  const asking = useRef(false);
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const running = rows.filter((t) => t.status === "active");

  // A running session's duration, counted to the server's clock, not the browser's (server_clock.ts).
  const nowMs = useServerNow(props.generatedAt, { everyMs: 1000, ticking: running.length > 0 });

  /**
   * Asks for the running rows' energy so far (at most one request in flight); a row that is no longer running
   * (its stop missed: the stream was down) is replaced by the row the answer brings.
   */
  const refreshEnergy = async () => {
    if (asking.current) return;
    const ids = rowsRef.current.filter((t) => t.status === "active").map((t) => t.transactionId);
    if (ids.length === 0) return;
    asking.current = true;
    try {
      const { items } = await apiFetch<{ items: EnergyItem[] }>(
        `/api/v1/transactions/energy?ids=${ids.join(",")}`,
      );
      setEnergy((e) => ({ ...e, ...Object.fromEntries(items.map((i) => [i.transactionId, i.energyWh])) }));
      setImplausible((known) => {
        const next = { ...known };
        for (const i of items) {
          if (i.energyImplausible) next[i.transactionId] = i.energyImplausible;
          else delete next[i.transactionId];
        }
        return next;
      });
      const ended = new Map(items.flatMap((i) => (i.transaction ? [[i.transactionId, i.transaction]] : [])));
      // A row an event changed meanwhile keeps the event's (newer) version unless it still shows running.
      if (ended.size > 0) {
        setRows((list) => list.map((t) => (t.status === "active" ? ended.get(t.transactionId) ?? t : t)));
      }
    } catch {
      // The next round tries again.
    } finally {
      asking.current = false;
    }
  };

  useEffect(() => {
    if (running.length === 0) return;
    const timer = setInterval(() => void refreshEnergy(), ENERGY_EVERY_MS);
    return () => clearInterval(timer);
  }, [running.length]);

  // Meter values of the whole fleet would be the bulk of the stream: the running rows' energy is asked for
  // every few seconds instead, and a stop arrives as a transaction event.
  const { station } = props;
  const scope = station ? `chargePointId=${encodeURIComponent(station.chargePointId)}&` : "";
  // One per page (not per render), so events and the read in flight share the count.
  const stationRows = useMemo(
    () =>
      station
        ? overtakenSnapshots(
          () =>
            apiFetch<{ items: Transaction[] }>(
              `/api/v1/transactions?${scope}limit=${station.limit}`,
            ),
          ({ items }) => setRows(items),
        )
        : null,
    [scope],
  );
  const live = useEvents(`${scope}types=transaction`, (event: StationEvent) => {
    const tx = event.type === "transaction" ? event.transaction : null;
    if (!tx) return;
    stationRows?.eventSeen();
    setRows((list) =>
      list.some((t) => t.transactionId === tx.transactionId)
        ? list.map((t) => (t.transactionId === tx.transactionId ? tx : t))
        : station
        ? [tx, ...list].slice(0, station.limit)
        : list
    );
  }, () => void resync());

  /**
   * What the rows may have missed before the stream opened (the page's render came first, or it dropped): a
   * station's newest sessions are read again (dropped and read again if an event overtook the read). A page
   * of a filtered list asks for its running rows' energy, whose answer brings the whole row of each that
   * stopped meanwhile (one request, not one per row).
   */
  const resync = () => {
    void refreshEnergy();
    if (stationRows) void stationRows.refetch();
  };

  if (station && rows.length === 0) return <p class="muted">None yet.</p>;
  return (
    <div>
      {running.length > 0 && (
        <p class="table-meta">
          <LiveDot live={live} /> <span>{running.length} running on this page</span>
        </p>
      )}
      <table class="table" aria-label={station ? "Recent transactions" : "Transactions"}>
        <thead>
          <tr>
            <th scope="col">Id</th>
            {!station && <th scope="col">Station</th>}
            <th scope="col">Connector</th>
            <th scope="col">Id tag</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Status</th>
            <th scope="col">Stop reason</th>
            <th scope="col" class="num">Energy</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const active = t.status === "active";
            const end = t.stopTimestamp ? Date.parse(t.stopTimestamp) : active ? nowMs : null;
            // Implausible readings: the energy is unknown (a running one's so far too), the flag says why.
            const why = t.energyImplausible ?? (active ? implausible[t.transactionId] : undefined);
            const wh = why ? null : active ? energy[t.transactionId] ?? null : t.energyWh;
            return (
              <tr key={t.transactionId} data-transaction={t.transactionId} data-status={t.status}>
                <td data-label="Id">
                  <a href={`/transactions/${t.transactionId}`}>#{t.transactionId}</a>
                </td>
                {!station && (
                  <td data-label="Station">
                    <a href={`/stations/${encodeURIComponent(t.chargePointId)}`}>{t.chargePointId}</a>
                  </td>
                )}
                <td data-label="Connector">
                  {t.stationTransactionId !== undefined ? `EVSE ${t.connectorId}` : t.connectorId}
                </td>
                <td data-label="Id tag">
                  <span class="mono">{t.idTag}</span> <BadTagFlag status={t.startIdTagStatus} />
                </td>
                <td data-label="Started">
                  <Time iso={t.startTimestamp} />
                </td>
                <td data-label="Duration" data-duration>
                  {end === null ? "—" : formatDuration(end - Date.parse(t.startTimestamp))}{" "}
                  {active && <span class="muted small">so far</span>}
                </td>
                <td data-label="Status">
                  <TransactionStatus tx={t} />
                </td>
                <td data-label="Stop reason">{t.stopReason ?? (t.status === "finished" ? "Local" : "—")}</td>
                <td data-label="Energy" class="num" data-energy={wh ?? ""}>
                  {formatEnergy(wh)} {active && wh !== null && <span class="muted small">so far</span>}
                  <ImplausibleEnergyFlag implausible={why} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

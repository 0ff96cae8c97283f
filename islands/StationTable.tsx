/**
 * The overview's station table, live: connector chips, online state and sessions follow the event stream; a
 * station that connects and belongs on this page appears without a reload (the page is fetched again, a
 * debounced one request, so 10,000 stations booting at once cost one refetch per second, not 10,000).
 */
import { useMemo, useRef, useState } from "preact/hooks";
import { ConnectorChips, OnlineBadge } from "../components/status_chip.tsx";
import { formatEnergy, formatTime, queryString } from "../components/format.ts";
import type {
  JobCommand,
  Page,
  StationEvent,
  StationSummary,
  TodayTransaction,
} from "../components/types.ts";
import { apiFetch, LiveDot, useEvents } from "./client.tsx";
import { JobLauncher } from "./job_launcher.tsx";

export interface StationTableProps {
  stations: StationSummary[];
  /** The page's query: re-asked when a new station may belong on it. */
  search: string;
  online: "" | "true" | "false";
  after: string | null;
  pageSize: number;
  /** Start of the UTC day whose energy is shown. */
  todayStart: string;
  today: TodayTransaction[];
  /** Operators: the commands they may run on the stations they select (a job). */
  commands?: JobCommand[];
}

const REFETCH_DEBOUNCE_MS = 300;
const REFETCH_MIN_GAP_MS = 1000;

export default function StationTable(props: StationTableProps) {
  const [stations, setStations] = useState(props.stations);
  const [today, setToday] = useState(() => new Map(props.today.map((t) => [t.transactionId, t])));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const selectable = props.commands !== undefined;
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastRefetch = useRef(0);

  const refetch = () => {
    if (refetchTimer.current !== null) return;
    const wait = Math.max(REFETCH_DEBOUNCE_MS, lastRefetch.current + REFETCH_MIN_GAP_MS - Date.now());
    refetchTimer.current = setTimeout(async () => {
      refetchTimer.current = null;
      lastRefetch.current = Date.now();
      try {
        const page = await apiFetch<Page<StationSummary>>(
          `/api/v1/charge-points${
            queryString({
              search: props.search,
              online: props.online,
              after: props.after,
              limit: props.pageSize,
            })
          }`,
        );
        setStations(page.items);
      } catch {
        // The next event or reconnect tries again.
      }
    }, wait);
  };

  /** Would a station with this id be listed on this page? */
  const belongsHere = (id: string, online: boolean) => {
    if (props.search && !id.toLowerCase().includes(props.search.toLowerCase())) return false;
    if (props.online === "true" && !online) return false;
    if (props.online === "false" && online) return false;
    if (props.after !== null && id <= props.after) return false;
    const last = stations.at(-1);
    return stations.length < props.pageSize || (last !== undefined && id < last.id);
  };

  const update = (id: string, change: (s: StationSummary) => StationSummary) =>
    setStations((list) => list.map((s) => (s.id === id ? change(s) : s)));

  const onEvent = (event: StationEvent) => {
    const listed = stations.some((s) => s.id === event.chargePointId);
    if (event.type === "transaction") {
      const tx = event.transaction;
      if (tx.startTimestamp >= props.todayStart || tx.status === "active") {
        setToday((m) =>
          new Map(m).set(tx.transactionId, {
            transactionId: tx.transactionId,
            chargePointId: tx.chargePointId,
            status: tx.status,
            energyWh: tx.energyWh,
          })
        );
      }
    }
    if (!listed) {
      if (event.type === "connected" || event.type === "boot") {
        if (belongsHere(event.chargePointId, true)) refetch();
      }
      return;
    }
    switch (event.type) {
      case "connected":
        if (props.online === "false") return refetch();
        update(event.chargePointId, (s) => ({
          ...s,
          online: true,
          connectedAt: event.at,
          remoteAddress: event.remoteAddress,
          lastSeen: event.at,
        }));
        break;
      case "disconnected":
        if (props.online === "true") return refetch();
        update(event.chargePointId, (s) => ({ ...s, online: false, connectedAt: null, remoteAddress: null }));
        break;
      case "boot":
        // Boot info (vendor, model) is not in the event: ask for the row again.
        apiFetch<StationSummary>(`/api/v1/charge-points/${encodeURIComponent(event.chargePointId)}`)
          .then((fresh) => update(fresh.id, () => fresh))
          .catch(() => {});
        break;
      case "status":
        update(event.chargePointId, (s) => ({
          ...s,
          lastSeen: event.at,
          connectors: [
            ...s.connectors.filter((c) => c.connectorId !== event.connector.connectorId),
            event.connector,
          ]
            .sort((a, b) => a.connectorId - b.connectorId),
        }));
        break;
      default:
        update(event.chargePointId, (s) => ({ ...s, lastSeen: event.at }));
    }
  };

  // Meter values are the bulk of the stream and change nothing shown here: not asked for.
  const live = useEvents("types=connected,disconnected,boot,status,transaction", onEvent, refetch);

  const perStation = useMemo(() => {
    const out = new Map<string, { active: Set<number>; energyWh: number }>();
    const entry = (id: string) => {
      let e = out.get(id);
      if (!e) out.set(id, e = { active: new Set(), energyWh: 0 });
      return e;
    };
    for (const s of stations) {
      for (const c of s.connectors) {
        if (c.transactionId !== undefined) entry(s.id).active.add(c.transactionId);
      }
    }
    for (const t of today.values()) {
      const e = entry(t.chargePointId);
      if (t.status === "active") e.active.add(t.transactionId);
      else e.active.delete(t.transactionId);
      if (t.energyWh !== null && t.energyWh > 0) e.energyWh += t.energyWh;
    }
    return out;
  }, [stations, today]);

  return (
    <div>
      <p class="table-meta">
        <LiveDot live={live} /> <span>{stations.length} shown</span>
      </p>
      {selectable && selected.size > 0 && (
        <JobLauncher
          selected={[...selected]}
          commands={props.commands!}
          onClear={() => setSelected(new Set())}
        />
      )}
      {stations.length === 0
        ? <p class="empty">No stations match. A station appears here as soon as it connects.</p>
        : (
          <table class="table stations" aria-label="Stations">
            <thead>
              <tr>
                {selectable && (
                  <th scope="col" class="select">
                    <input
                      type="checkbox"
                      aria-label="Select every station shown"
                      checked={stations.length > 0 && stations.every((s) => selected.has(s.id))}
                      onChange={(e) => {
                        const on = e.currentTarget.checked;
                        setSelected(on ? new Set(stations.map((s) => s.id)) : new Set());
                      }}
                    />
                  </th>
                )}
                <th scope="col">Station</th>
                <th scope="col">State</th>
                <th scope="col">Connectors</th>
                <th scope="col">Last seen (UTC)</th>
                <th scope="col">Active sessions</th>
                <th scope="col" title="Finished sessions that started today (UTC)">Energy today</th>
              </tr>
            </thead>
            <tbody>
              {stations.map((s) => {
                const stats = perStation.get(s.id);
                return (
                  <tr key={s.id} data-station={s.id}>
                    {selectable && (
                      <td class="select">
                        <input
                          type="checkbox"
                          aria-label={`Select ${s.id}`}
                          checked={selected.has(s.id)}
                          onChange={(e) => toggle(s.id, e.currentTarget.checked)}
                        />
                      </td>
                    )}
                    <td data-label="Station">
                      <a href={`/stations/${encodeURIComponent(s.id)}`} class="station-link">{s.id}</a>
                      {s.boot && (
                        <div class="muted small">{s.boot.chargePointVendor} {s.boot.chargePointModel}</div>
                      )}
                      {s.registrationStatus && s.registrationStatus !== "Accepted" && (
                        <div class="small warn">{s.registrationStatus}</div>
                      )}
                    </td>
                    <td data-label="State">
                      <OnlineBadge online={s.online} />
                    </td>
                    <td data-label="Connectors">
                      <ConnectorChips connectors={s.connectors} />
                    </td>
                    <td data-label="Last seen">{formatTime(s.lastSeen)}</td>
                    <td data-label="Active sessions" class="num" data-active>{stats?.active.size ?? 0}</td>
                    <td data-label="Energy today" class="num">{formatEnergy(stats?.energyWh ?? 0)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
    </div>
  );
}

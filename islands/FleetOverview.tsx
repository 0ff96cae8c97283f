/**
 * The overview, live: KPIs, the "needs attention" strip (each count a one-click filter), and the station
 * table with search, connector-status and connection filters, sortable columns and pages. The URL holds the
 * view (links and a GET form, so it works without JavaScript too); this island keeps it current: a station's
 * events change its row at once, and the KPIs and counts are asked for again (debounced, at most once a
 * second, and again when the server says its answer was computed before the latest change), every ten
 * seconds for what changes without an event here (energy of running sessions, time offline), and when the
 * next station starting up turns silent (its grace ends: the server says when). Operators select
 * stations in the table and run a command on them (a job, islands/job_launcher.tsx).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { formatDuration, formatShare } from "../components/duration.ts";
import { dialectLabel } from "../components/dialect_label.ts";
import { formatEnergy } from "../components/format.ts";
import { overviewApiPath, overviewHref, type OverviewQuery } from "../components/overview_query.ts";
import { AwaitingStatusNote } from "../components/awaiting_status.tsx";
import { ConnectorChips, OnlineBadge } from "../components/status_chip.tsx";
import { Time, TzLabel } from "../components/time.tsx";
import type { AttentionKind, FleetRow, JobCommand, Overview, StationEvent } from "../components/types.ts";
import { FILTER_STATUSES } from "../overview/connector_status.ts";
import { ApiCallError, apiFetch, LiveDot, useEvents } from "./client.tsx";
import { JobLauncher } from "./job_launcher.tsx";
import { useSelection } from "./selection.ts";
import { storedMode } from "./TimeZoneToggle.tsx";

export interface FleetOverviewProps {
  data: Overview;
  query: OverviewQuery;
  /** Operators: the commands they may run on the stations they select (a job). */
  commands?: JobCommand[];
}

const DEBOUNCE_MS = 300;
const MIN_GAP_MS = 1000;
/** Energy grows and stations stay offline without an event this page hears: asked again this often. */
const PERIODIC_MS = 10_000;
/** Past a grace's end by this much when asking again: the server's clock has passed it for sure. */
const GRACE_END_MARGIN_MS = 50;

const ATTENTION: readonly {
  kind: AttentionKind;
  label: (n: number, minutes: number) => string;
  hint: string;
}[] = [
  {
    kind: "faulted",
    label: (n) => `${n} Faulted connector${n === 1 ? "" : "s"}`,
    hint: "Connectors of online stations reporting Faulted",
  },
  {
    kind: "offline",
    label: (n, minutes) => `${n} offline > ${minutes} min`,
    hint: "Stations not connected for longer than the threshold (ATTENTION_OFFLINE_MIN)",
  },
  {
    kind: "registration",
    label: (n) => `${n} Pending or Rejected`,
    hint: "Stations whose registration is not Accepted: see Handshakes to accept them",
  },
  {
    kind: "badTags",
    label: (n) => `${n} session${n === 1 ? "" : "s"} with a bad tag`,
    hint: "Running sessions whose id tag was Blocked, Expired, Invalid or ConcurrentTx when they started",
  },
  {
    kind: "stuck",
    label: (n) => `${n} session${n === 1 ? "" : "s"} open after a reboot`,
    hint: "Running sessions their station likely forgot across a reboot: see Transactions, where an admin " +
      "can close them by hand",
  },
  {
    kind: "firmware",
    label: (n) => `${n} firmware update${n === 1 ? "" : "s"} failed`,
    hint: "Stations whose last firmware status is a failure (download, signature, verification or " +
      "installation): retry the update, or trigger a FirmwareStatusNotification once it is resolved",
  },
  {
    kind: "protocol",
    label: (n) => `${n} sending frames we refuse`,
    hint:
      "Stations that sent frames within 24 h that do not follow OCPP (invalid JSON, a payload its schema " +
      "refuses, an unknown action or message type): their firmware or configuration needs a look; the " +
      "station's page shows the last one and its recent frames",
  },
  {
    kind: "silent",
    label: (n) => `${n} connected, not reporting`,
    hint:
      "Stations connected and Accepted that sent no StatusNotification since their boot for longer than " +
      "STATUS_GRACE_S: their connectors' states are unknown (within it they are starting up)",
  },
];

/** `title`: what a column counts, where its name alone could be read two ways. */
const COLUMNS: readonly { key: string; label: string; sort?: string; num?: boolean; title?: string }[] = [
  { key: "station", label: "Station", sort: "id" },
  { key: "state", label: "State", sort: "state" },
  { key: "connectors", label: "Connectors" },
  { key: "firmware", label: "Firmware", sort: "firmware" },
  { key: "lastSeen", label: "Last seen", sort: "lastSeen" },
  // Sessions running now, where the energy beside it counts today's finished ones too (a row read 0 sessions
  // next to 1.9 kWh).
  {
    key: "sessions",
    label: "Charging now",
    sort: "sessions",
    num: true,
    title: "Sessions running now on the station",
  },
  {
    key: "energy",
    label: "Energy today",
    sort: "energy",
    num: true,
    title: "Today's sessions: finished ones, plus what running sessions delivered so far",
  },
];

/** Local midnight of the browser, when it shows local time; else the server's UTC day. */
function dayStart(): string | undefined {
  if (storedMode() !== "local") return undefined;
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

export default function FleetOverview(props: FleetOverviewProps) {
  const [data, setData] = useState(props.data);
  const selection = useSelection();
  const selectable = props.commands !== undefined;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastFetch = useRef(0);
  /** The last read asked for: an answer to an earlier one is older than it, and is dropped. */
  const lastRead = useRef(0);
  const graceEnd = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { query } = props;

  const refetch = (delayMs = DEBOUNCE_MS) => {
    if (timer.current !== null) return;
    const wait = Math.max(delayMs, lastFetch.current + MIN_GAP_MS - Date.now());
    timer.current = setTimeout(async () => {
      timer.current = null;
      lastFetch.current = Date.now();
      const read = ++lastRead.current;
      try {
        const fresh = await apiFetch<Overview>(overviewApiPath(query, props.data.limit, dayStart()));
        // Two reads in flight (a slow scan) may answer out of order: the older would take a change back.
        if (read !== lastRead.current) return;
        setData(fresh);
        wakeAtGraceEnd(fresh.nextOverdueInMs);
        if (fresh.stale) refetch(Math.max(fresh.retryAfterMs, DEBOUNCE_MS));
      } catch {
        // The next event or reconnect tries again.
      }
    }, wait);
  };

  /**
   * A station starting up turns silent when its grace ends, with no event: read again then, not at the next
   * periodic refresh (up to ten seconds late, the strip and the row turning at different reads). A duration
   * from the server, counted from the answer's arrival: late by its transit, never early on a skewed clock.
   */
  const wakeAtGraceEnd = (inMs: number | null) => {
    if (graceEnd.current !== null) clearTimeout(graceEnd.current);
    graceEnd.current = inMs === null ? null : setTimeout(() => {
      graceEnd.current = null;
      refetch(0);
    }, inMs + GRACE_END_MARGIN_MS);
  };

  useEffect(() => {
    if (dayStart() !== undefined) refetch(0);
    wakeAtGraceEnd(props.data.nextOverdueInMs);
    const periodic = setInterval(() => refetch(0), PERIODIC_MS);
    return () => {
      clearInterval(periodic);
      if (timer.current !== null) clearTimeout(timer.current);
      if (graceEnd.current !== null) clearTimeout(graceEnd.current);
    };
  }, []);

  const update = (id: string, change: (row: FleetRow) => FleetRow) =>
    setData((d) => ({ ...d, items: d.items.map((row) => (row.id === id ? change(row) : row)) }));

  const onEvent = (event: StationEvent) => {
    switch (event.type) {
      case "connected":
        update(event.chargePointId, (r) => ({
          ...r,
          online: true,
          connectedAt: event.at,
          remoteAddress: event.remoteAddress,
          lastSeen: event.at,
        }));
        break;
      case "disconnected":
        update(event.chargePointId, (r) => ({ ...r, online: false, connectedAt: null, remoteAddress: null }));
        break;
      case "status":
        update(event.chargePointId, (r) => ({
          ...r,
          lastSeen: event.at,
          // It reports: no longer starting up nor silent (the counts follow with the refetch).
          awaitingStatus: null,
          attention: r.attention.filter((kind) => kind !== "silent"),
          connectors: [
            ...r.connectors.filter((c) => c.connectorId !== event.connector.connectorId),
            event.connector,
          ]
            .sort((a, b) => a.connectorId - b.connectorId),
        }));
        break;
      case "evseStatus":
        update(event.chargePointId, (r) => ({
          ...r,
          awaitingStatus: null,
          attention: r.attention.filter((kind) => kind !== "silent"),
        }));
        break;
    }
    refetch();
  };

  // Not meter values: they are the bulk of the stream (one per station and minute); the energy KPI follows
  // them through the periodic refresh instead. Firmware statuses: a failed update needs attention.
  const live = useEvents(
    "types=connected,disconnected,boot,status,evseStatus,transaction,firmwareStatus,firmwareFailureDismissed,protocolErrorsCleared",
    onEvent,
    refetch,
  );
  /** Why the last dismissal of a firmware failure was refused (another status since, say). */
  const [dismissError, setDismissError] = useState<string | null>(null);
  const dismissFirmwareFailure = async (id: string, status: string) => {
    setDismissError(null);
    try {
      await apiFetch(`/api/v1/charge-points/${encodeURIComponent(id)}/firmware-failure/dismiss`, {
        method: "POST",
        body: { status },
      });
    } catch (error) {
      setDismissError(error instanceof ApiCallError ? error.message : String(error));
    }
    refetch(0);
  };
  const now = Date.parse(data.generatedAt);
  const filtered = query.search || query.status || query.online || query.attention;
  const first = data.total === 0 ? 0 : data.offset + 1;
  const last = data.offset + data.items.length;
  const allShownSelected = data.items.length > 0 && data.items.every((s) => selection.selected.has(s.id));
  const selectAllShown = (on: boolean) => selection.setAll(data.items.map((s) => s.id), on);
  // Each selected station's dialect, for the job form to judge commands by: remembered as rows were shown, so
  // a selected station that a refresh took off the page keeps its own.
  const dialects = useRef(new Map<string, string | null>());
  for (const row of data.items) dialects.current.set(row.id, row.ocppVersion);

  return (
    <div class="fleet">
      <ul class="kpis" aria-label="Fleet now">
        <li data-kpi="online">
          <span class="kpi-value">{data.kpis.online}</span>
          <span class="kpi-label">online of {data.kpis.stations}</span>
        </li>
        <li data-kpi="offline">
          <span class="kpi-value">{data.kpis.offline}</span>
          <span class="kpi-label">offline</span>
        </li>
        <li data-kpi="faulted" class={data.kpis.faultedConnectors > 0 ? "kpi-bad" : ""}>
          <span class="kpi-value">{data.kpis.faultedConnectors}</span>
          <span class="kpi-label">faulted connectors</span>
        </li>
        <li data-kpi="sessions">
          <span class="kpi-value">{data.kpis.activeSessions}</span>
          <span class="kpi-label">charging sessions</span>
        </li>
        <li
          data-kpi="energy"
          title="Finished sessions that started today, plus what running sessions delivered so far"
        >
          <span class="kpi-value">{data.capped ? "≥ " : ""}{formatEnergy(data.kpis.energyTodayWh)}</span>
          <span class="kpi-label">
            today (<TzLabel />), running sessions included
          </span>
        </li>
        <li
          data-kpi="availability"
          title="Connectors of online stations that are neither Faulted nor Unavailable, out of all connectors"
        >
          <span class="kpi-value">{formatShare(data.kpis.availability)}</span>
          <span class="kpi-label">available</span>
        </li>
        <li data-kpi="utilisation" title="Connectors of online stations with a session running, out of those">
          <span class="kpi-value">{formatShare(data.kpis.utilisation)}</span>
          <span class="kpi-label">in use</span>
        </li>
      </ul>

      <nav class="attention" aria-label="Needs attention">
        <span class="attention-title">Needs attention</span>
        {ATTENTION.map(({ kind, label, hint }) => {
          const count = data.attention[kind];
          const current = query.attention === kind;
          return (
            <a
              key={kind}
              href={current ? overviewHref(query, { attention: "", offset: 0 }) : overviewHref(
                { ...query, search: "", status: "", online: "" },
                { attention: kind, offset: 0 },
              )}
              class={`attention-item ${count > 0 ? "attention-bad" : "attention-ok"}`}
              data-attention={kind}
              data-count={count}
              aria-current={current ? "true" : undefined}
              title={hint}
            >
              {label(count, data.offlineAfterMinutes)}
            </a>
          );
        })}
      </nav>

      <form class="filters" method="get" action="/" role="search">
        <label>
          Search
          <input
            type="search"
            name="search"
            defaultValue={query.search}
            placeholder="id, vendor, model, serial, firmware"
            maxLength={100}
          />
        </label>
        <label>
          Connector status
          <select name="status">
            <option value="" selected={query.status === ""}>any</option>
            {FILTER_STATUSES.map((s) => <option key={s} value={s} selected={query.status === s}>{s}</option>)}
          </select>
        </label>
        <label>
          Connection
          <select name="online">
            <option value="" selected={query.online === ""}>all</option>
            <option value="true" selected={query.online === "true"}>online</option>
            <option value="false" selected={query.online === "false"}>offline</option>
          </select>
        </label>
        {query.attention && <input type="hidden" name="attention" value={query.attention} />}
        {query.sort !== "id" && <input type="hidden" name="sort" value={query.sort} />}
        {query.order !== "asc" && <input type="hidden" name="order" value={query.order} />}
        <button type="submit">Search</button>
        {filtered && (
          <a
            href={overviewHref({ ...query, offset: 0 }, {
              search: "",
              status: "",
              online: "",
              attention: "",
            })}
          >
            Clear filters
          </a>
        )}
      </form>

      <p class="table-meta">
        <LiveDot live={live} />{" "}
        <span data-total={data.total}>
          {data.total === 0
            ? "No stations"
            : `${first}–${last} of ${data.total} station${data.total === 1 ? "" : "s"}`}
        </span>
        {data.capped && (
          <span class="warn">(the fleet is larger than one scan: counts are at least these)</span>
        )}
      </p>
      {selectable && data.items.length > 0 && (
        // The table's header, with its own box, is hidden when rows stack (a phone): this one stands in.
        <label class="inline select-all-stacked">
          <input
            type="checkbox"
            checked={allShownSelected}
            onChange={(e) => selectAllShown(e.currentTarget.checked)}
          />
          Select all shown
        </label>
      )}
      {selectable && selection.selected.size > 0 && (
        <JobLauncher
          selected={[...selection.selected].map((id) => ({
            id,
            dialect: dialectLabel(dialects.current.get(id)),
          }))}
          commands={props.commands!}
          onClear={selection.clear}
        />
      )}
      {dismissError && <p class="error-text" role="alert" data-dismiss-error>{dismissError}</p>}
      {data.items.length === 0
        ? (
          <p class="empty">
            {filtered
              ? "No station matches."
              : "No stations yet. A station appears here as soon as it connects."}
          </p>
        )
        : (
          <table class="table stations" aria-label="Stations">
            <thead>
              <tr>
                {selectable && (
                  <th scope="col" class="select">
                    <input
                      type="checkbox"
                      aria-label="Select every station shown"
                      checked={allShownSelected}
                      onChange={(e) => selectAllShown(e.currentTarget.checked)}
                    />
                  </th>
                )}
                {COLUMNS.map((col) => {
                  const sorted = col.sort !== undefined && query.sort === col.sort;
                  const next = sorted && query.order === "asc" ? "desc" : "asc";
                  return (
                    <th
                      key={col.key}
                      scope="col"
                      class={col.num ? "num" : ""}
                      title={col.title}
                      aria-sort={sorted ? (query.order === "asc" ? "ascending" : "descending") : undefined}
                    >
                      {col.sort
                        ? (
                          <a
                            class="sort"
                            data-sort={col.sort}
                            href={overviewHref(query, { sort: col.sort, order: next, offset: 0 })}
                          >
                            {col.label}
                            {col.key === "lastSeen" && (
                              <>
                                {" "}(<TzLabel />)
                              </>
                            )}
                            <span aria-hidden="true">
                              {sorted ? (query.order === "asc" ? " ▲" : " ▼") : ""}
                            </span>
                          </a>
                        )
                        : col.label}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {data.items.map((s) => (
                <tr key={s.id} data-station={s.id} data-needs={s.attention.join(" ")}>
                  {selectable && (
                    <td class="select">
                      {/* The label names the box; its text shows only where rows stack (a phone). */}
                      <label class="inline">
                        <input
                          type="checkbox"
                          checked={selection.selected.has(s.id)}
                          onChange={(e) => selection.toggle(s.id, e.currentTarget.checked)}
                        />
                        <span class="select-text">Select {s.id}</span>
                      </label>
                    </td>
                  )}
                  <td data-label="Station">
                    <a href={`/stations/${encodeURIComponent(s.id)}`} class="station-link">{s.id}</a>
                    {dialectLabel(s.ocppVersion) && (
                      <>
                        {" "}
                        <span class="badge dialect" data-dialect={dialectLabel(s.ocppVersion)}>
                          {dialectLabel(s.ocppVersion)}
                        </span>
                      </>
                    )}
                    {s.boot && (
                      <div class="muted small">
                        {s.boot.chargePointVendor} {s.boot.chargePointModel}
                        {(s.boot.chargePointSerialNumber ?? s.boot.chargeBoxSerialNumber) &&
                          ` · ${s.boot.chargePointSerialNumber ?? s.boot.chargeBoxSerialNumber}`}
                      </div>
                    )}
                    {s.registrationStatus && s.registrationStatus !== "Accepted" && (
                      <div class="small warn">{s.registrationStatus}</div>
                    )}
                    {s.attention.includes("protocol") && (
                      <div class="small error-text" data-protocol-errors>
                        <a href={`/stations/${encodeURIComponent(s.id)}#frames`}>Sends frames we refuse</a>
                      </div>
                    )}
                  </td>
                  <td data-label="State">
                    <OnlineBadge online={s.online} />
                    {s.online && s.awaitingStatus && (
                      <div>
                        <AwaitingStatusNote
                          awaiting={s.awaitingStatus}
                          overdue={s.awaitingStatus.overdue}
                          class="small"
                        />
                      </div>
                    )}
                    {!s.online && s.lastSeen && (
                      <div class="small muted" data-offline-for>
                        for {formatDuration(now - Date.parse(s.lastSeen))}
                      </div>
                    )}
                  </td>
                  <td data-label="Connectors">
                    <ConnectorChips connectors={s.connectors} online={s.online} since={s.lastSeen} />
                  </td>
                  <td data-label="Firmware" class="small">
                    {s.boot?.firmwareVersion ?? "—"}
                    {s.attention.includes("firmware") && (
                      <div class="error-text" data-firmware-failed>
                        {s.firmwareStatus}
                        {selectable && s.firmwareStatus && (
                          <>
                            {" "}
                            <button
                              type="button"
                              class="link"
                              aria-label={`Dismiss ${s.firmwareStatus} of ${s.id}`}
                              onClick={() => void dismissFirmwareFailure(s.id, s.firmwareStatus!)}
                            >
                              Dismiss
                            </button>
                          </>
                        )}
                      </div>
                    )}
                  </td>
                  <td data-label="Last seen">
                    <Time iso={s.lastSeen} />
                  </td>
                  <td data-label="Charging now" class="num" data-active>{s.sessions.length}</td>
                  <td data-label="Energy today" class="num">{formatEnergy(s.energyTodayWh)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <nav class="pager" aria-label="Pages">
        {data.offset > 0
          ? (
            <a href={overviewHref(query, { offset: Math.max(0, data.offset - data.limit) })} rel="prev">
              ← Previous
            </a>
          )
          : <span />}
        {last < data.total
          ? <a href={overviewHref(query, { offset: data.offset + data.limit })} rel="next">Next →</a>
          : <span />}
      </nav>
    </div>
  );
}

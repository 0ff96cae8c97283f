/** `/`: every station, live; search and cursor paging happen in the API (the store's id order). */
import { formatEnergy, queryString, startOfUtcDay } from "../../components/format.ts";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import type { Alert, Page, StationSummary, TodayTransaction, Transaction } from "../../components/types.ts";
import { AlertList } from "../../components/alert_list.tsx";
import { jobCommands } from "../../components/job_catalog.ts";
import type { PageApi } from "./http.ts";

export const PAGE_SIZE = 50;
/** Today's transactions counted for the header and the rows; more than this is shown as "at least". */
const TODAY_LIMIT = 1000;

export interface OverviewQuery {
  search?: string | undefined;
  online?: string | undefined;
  after?: string | undefined;
  /** Cursors of the pages before this one, comma-separated ("" for the first page): the Previous link. */
  trail?: string | undefined;
}

export async function overviewPage(api: PageApi, query: OverviewQuery, now: Date) {
  const search = (query.search ?? "").trim().slice(0, 100);
  const online = query.online === "true" || query.online === "false" ? query.online : "";
  const after = query.after ? query.after.slice(0, 100) : null;
  const trail = query.trail ? query.trail.split(",").slice(-200) : [];
  const todayStart = startOfUtcDay(now);
  const [viewer, page, today, active, health, alerts] = await Promise.all([
    api.viewer(),
    api.get<Page<StationSummary>>(
      `/api/v1/charge-points${queryString({ search, online, after, limit: PAGE_SIZE })}`,
    ),
    api.get<Page<Transaction>>(
      `/api/v1/transactions${queryString({ from: todayStart, limit: TODAY_LIMIT })}`,
    ),
    api.get<Page<Transaction>>(
      `/api/v1/transactions${queryString({ status: "active", limit: TODAY_LIMIT })}`,
    ),
    api.get<{ connectedStations: number }>("/healthz").catch(() => ({ connectedStations: null })),
    api.get<{ items: Alert[]; truncated: boolean }>("/api/v1/alerts").catch(() => null),
  ]);
  const operator = viewer.role === "operator" || viewer.role === "admin";
  const listed = new Set(page.items.map((s) => s.id));
  const todayRows: TodayTransaction[] = today.items
    .filter((t) => listed.has(t.chargePointId))
    .map((t) => ({
      transactionId: t.transactionId,
      chargePointId: t.chargePointId,
      status: t.status,
      energyWh: t.energyWh,
    }));
  const capped = today.nextCursor !== null;
  const energyToday = today.items.reduce((sum, t) => sum + (t.energyWh ?? 0), 0);
  const activeNow = active.nextCursor !== null ? `${active.items.length}+` : String(active.items.length);

  const here = { search, online };
  const nextHref = page.nextCursor
    ? queryString({ ...here, after: page.nextCursor, trail: [...trail, after ?? ""].join(",") }) || "?"
    : null;
  const prevHref = after !== null
    ? queryString({ ...here, after: trail.at(-1) || undefined, trail: trail.slice(0, -1).join(",") }) || "/"
    : null;

  return (
    <Layout title="Overview" current="/" viewer={viewer}>
      <div class="page-head">
        <h1>Stations</h1>
        <ul class="stats" aria-label="Totals">
          <li>
            <span class="stat">{health.connectedStations ?? "—"}</span> connected now
          </li>
          <li>
            <span class="stat">{activeNow}</span> active sessions
          </li>
          <li>
            <span class="stat">{capped ? "≥ " : ""}{formatEnergy(energyToday)}</span>{" "}
            delivered today (UTC, finished sessions)
          </li>
        </ul>
      </div>
      {alerts && <AlertList alerts={alerts.items} truncated={alerts.truncated} />}
      <form class="filters" method="get" action="/" role="search">
        <label>
          Search by id
          <input type="search" name="search" value={search} placeholder="e.g. CP-12" maxLength={100} />
        </label>
        <label>
          Connection
          <select name="online">
            <option value="" selected={online === ""}>all</option>
            <option value="true" selected={online === "true"}>online</option>
            <option value="false" selected={online === "false"}>offline</option>
          </select>
        </label>
        <button type="submit">Search</button>
        {(search || online) && <a href="/">Clear</a>}
      </form>
      <Island
        name="StationTable"
        props={{
          stations: page.items,
          search,
          online,
          after,
          pageSize: PAGE_SIZE,
          todayStart,
          today: todayRows,
          ...(operator ? { commands: jobCommands() } : {}),
        }}
      />
      <nav class="pager" aria-label="Pages">
        {prevHref !== null ? <a href={prevHref} rel="prev">← Previous</a> : <span />}
        {after !== null && <a href={queryString(here) || "/"}>First page</a>}
        {nextHref !== null ? <a href={nextHref} rel="next">Next →</a> : <span />}
      </nav>
    </Layout>
  );
}

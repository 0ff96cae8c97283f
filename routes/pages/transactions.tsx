/** `/transactions` (filters, totals, CSV export) and `/transactions/:id` (the energy and power chart). */
import { storedSeqNos } from "../../model/seq_no_ranges.ts";
import { formatEnergy, queryString } from "../../components/format.ts";
import { Island } from "../../components/island.tsx";
import { DailyEnergyChart, energyPerDay } from "../../components/bar_chart.tsx";
import { BadTagFlag, STATUS_MEANING, StatusLegend } from "../../components/transaction_status.tsx";
import { chartReadings } from "../../overview/chart_readings.ts";
import { stopReach } from "../../overview/stop_reach.ts";
import { Layout } from "../../components/layout.tsx";
import { Time } from "../../components/time.tsx";
import type { VNode } from "preact";
import type {
  MeterValue,
  Page,
  StationDetail,
  Transaction,
  TransactionFlag,
} from "../../components/types.ts";
import { TransactionFlags } from "../../components/transaction_flags.tsx";
import { type PageApi, PageError, type StatusPage } from "./http.ts";
import { DAY, oneOf, queryProblems, textUpTo, wholeNumber } from "./query_problems.ts";
import { QueryProblems } from "../../components/query_problems.tsx";
import { runningEnergy, runningEnergyReport } from "./running_energy.ts";

const PAGE_SIZE = 50;
/** Totals add up at most this many matching transactions (then they say "at least"). */
const TOTALS_PAGES = 5;
const TOTALS_PAGE_SIZE = 1000;

export interface TransactionQuery {
  chargePointId?: string | undefined;
  idTag?: string | undefined;
  status?: string | undefined;
  /** A date (YYYY-MM-DD, UTC): started on or after it. */
  from?: string | undefined;
  /** A date (YYYY-MM-DD, UTC): started on or before it (the whole day). */
  to?: string | undefined;
  before?: string | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const STATUSES = ["active", "finished", "superseded"];

/** What the page's query may hold (as the API's: routes/api/transactions.ts); anything else is said, not dropped. */
const QUERY_RULES = {
  chargePointId: textUpTo(48),
  idTag: textUpTo(36),
  status: oneOf(STATUSES),
  from: DAY,
  to: DAY,
  before: wholeNumber(1, 2 ** 31 - 1),
};

/** The page's filter as the API's query parameters. */
export function apiFilter(q: TransactionQuery): Record<string, string | undefined> {
  const status = ["active", "superseded", "finished"].includes(q.status ?? "") ? q.status : undefined;
  const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();
  return {
    chargePointId: q.chargePointId?.trim() || undefined,
    idTag: q.idTag?.trim() || undefined,
    status,
    from: q.from && DATE.test(q.from) ? `${q.from}T00:00:00.000Z` : undefined,
    to: q.to && DATE.test(q.to) ? dayAfter(q.to) : undefined,
  };
}

/** Days in the energy-per-day chart. */
const CHART_DAYS = 14;
/** Sessions the chart adds up at most (then it says "at least"). */
const CHART_PAGES = 5;

/** The last CHART_DAYS UTC days of the filter's sessions, running ones with their energy so far. */
async function energyChartDays(api: PageApi, filter: Record<string, string | undefined>, now: Date) {
  const from = new Date(Date.parse(now.toISOString().slice(0, 10)) - (CHART_DAYS - 1) * 86_400_000);
  const sessions: Transaction[] = [];
  let cursor: string | undefined;
  let capped = false;
  for (let i = 0; i < CHART_PAGES; i++) {
    const chunk = await api.get<Page<Transaction>>(
      `/api/v1/transactions${
        queryString({
          ...filter,
          from: from.toISOString(),
          to: undefined,
          before: cursor,
          limit: TOTALS_PAGE_SIZE,
        })
      }`,
    );
    sessions.push(...chunk.items);
    if (chunk.nextCursor === null) break;
    cursor = chunk.nextCursor;
    capped = i === CHART_PAGES - 1;
  }
  const live = await runningEnergy(
    api,
    sessions.filter((t) => t.status === "active").map((t) => t.transactionId),
  );
  const days = energyPerDay(
    sessions.map((t) => ({
      startTimestamp: t.startTimestamp,
      wh: t.status === "active" ? live[t.transactionId] ?? 0 : t.energyWh ?? 0,
    })),
    now,
    CHART_DAYS,
  );
  return { days, capped };
}

/** Sessions still open across a reboot listed at most (the API's bound; each is a connector held). */
const STUCK_LISTED = 1000;

/**
 * The sessions flagged open after their station's reboot that are still open (of `chargePointId`'s): the
 * flags of the active transactions, however old; the flag says what the card shows.
 */
async function stuckSessions(api: PageApi, chargePointId: string | undefined): Promise<TransactionFlag[]> {
  const flags = await api.get<{ items: TransactionFlag[] }>(
    `/api/v1/transaction-flags?kind=open_after_reboot&active=true&limit=${STUCK_LISTED}`,
  );
  return flags.items.filter((f) => chargePointId === undefined || f.chargePointId === chargePointId);
}

/** Sessions a station forgot across a reboot: each is open until its stop comes or an admin closes it. */
function StuckSessions(props: { stuck: readonly TransactionFlag[] }) {
  if (props.stuck.length === 0) return null;
  return (
    <section class="card tone-bad-box" aria-labelledby="stuck-title" data-stuck={props.stuck.length}>
      <div class="card-head">
        <h2 id="stuck-title">Left open across a reboot ({props.stuck.length})</h2>
      </div>
      <p class="muted small">
        Their stations rebooted and reported the connector free while they ran: likely forgotten. Each stays
        open until its stop arrives or an admin closes it by hand on its page.
      </p>
      <ul>
        {props.stuck.map((flag) => (
          <li key={flag.transactionId} data-stuck-transaction={flag.transactionId}>
            <a href={`/transactions/${flag.transactionId}`}>#{flag.transactionId}</a> on{" "}
            <a href={`/stations/${encodeURIComponent(flag.chargePointId)}`}>
              {flag.chargePointId}
            </a>{" "}
            connector {flag.connectorId}
            {typeof flag.details.startedAt === "string"
              ? (
                <>
                  , started <Time iso={flag.details.startedAt} />
                </>
              )
              : null}, flagged <Time iso={flag.at} />
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The filter form, with the values of the query as given (a bad one stays in view, to be corrected). */
function TransactionFilters(
  props: { query: TransactionQuery; status: string | undefined; exportQuery: string },
) {
  const { query } = props;
  return (
    <form class="filters" method="get" action="/transactions" role="search">
      <label>
        Station
        <input name="chargePointId" value={query.chargePointId ?? ""} maxLength={48} />
      </label>
      <label>
        Id tag
        <input name="idTag" value={query.idTag ?? ""} maxLength={20} />
      </label>
      <label>
        Status
        <select name="status">
          {["", ...STATUSES].map((s) => (
            <option key={s} value={s} selected={(props.status ?? "") === s}>{s || "any"}</option>
          ))}
        </select>
      </label>
      <label>
        From (UTC)
        <input type="date" name="from" value={query.from ?? ""} />
      </label>
      <label>
        To (UTC)
        <input type="date" name="to" value={query.to ?? ""} />
      </label>
      <button type="submit">Filter</button>
      <a class="button-link" href={`/api/v1/transactions/export.csv${props.exportQuery}`} download>
        Export CSV
      </a>
    </form>
  );
}

export async function transactionsPage(
  api: PageApi,
  query: Record<string, string | undefined>,
  now: Date,
): Promise<VNode | StatusPage> {
  const problems = queryProblems(query, QUERY_RULES);
  if (problems.length > 0) {
    const viewer = await api.viewer();
    return {
      status: 400,
      page: (
        <Layout title="Transactions" current="/transactions" viewer={viewer}>
          <div class="page-head">
            <h1>Transactions</h1>
          </div>
          <QueryProblems problems={problems} clearHref="/transactions" />
          <TransactionFilters query={query} status={query.status} exportQuery="" />
        </Layout>
      ),
    };
  }
  const filter = apiFilter(query);
  const before = query.before && /^\d+$/.test(query.before) ? query.before : undefined;
  const [viewer, page, chart, stuck] = await Promise.all([
    api.viewer(),
    api.get<Page<Transaction>>(`/api/v1/transactions${queryString({ ...filter, before, limit: PAGE_SIZE })}`),
    energyChartDays(api, filter, now),
    stuckSessions(api, filter.chargePointId),
  ]);
  const running = await runningEnergyReport(
    api,
    page.items.filter((t) => t.status === "active").map((t) => t.transactionId),
  );
  // Totals over every match (up to a bound), not just this page.
  let count = 0, energyWh = 0, active = 0, capped = false;
  let cursor: string | undefined;
  for (let i = 0; i < TOTALS_PAGES; i++) {
    const chunk = await api.get<Page<Transaction>>(
      `/api/v1/transactions${queryString({ ...filter, before: cursor, limit: TOTALS_PAGE_SIZE })}`,
    );
    for (const t of chunk.items) {
      count++;
      energyWh += t.energyWh ?? 0;
      if (t.status === "active") active++;
    }
    if (chunk.nextCursor === null) break;
    cursor = chunk.nextCursor;
    capped = i === TOTALS_PAGES - 1;
  }
  const formQuery = {
    chargePointId: query.chargePointId,
    idTag: query.idTag,
    status: filter.status,
    from: query.from,
    to: query.to,
  };
  const scope = filter.chargePointId ? `Station ${filter.chargePointId}` : "Fleet";

  return (
    <Layout title="Transactions" current="/transactions" viewer={viewer}>
      <div class="page-head">
        <h1>Transactions</h1>
        <ul class="stats" aria-label="Totals of the filter">
          <li>
            <span class="stat" data-total-count>{capped ? `${count}+` : count}</span> transactions
          </li>
          <li>
            <span class="stat">{active}</span> running
          </li>
          <li>
            <span class="stat">{capped ? "≥ " : ""}{formatEnergy(energyWh)}</span> delivered by finished ones
          </li>
        </ul>
      </div>
      <StuckSessions stuck={stuck} />
      <section class="card" aria-label="Energy per day">
        <DailyEnergyChart
          id="energy-per-day"
          title={`${scope} energy per day`}
          days={chart.days}
          note={`UTC days, by the day a session started; running sessions so far${
            chart.capped ? "; at least: only the newest sessions were counted" : ""
          }`}
        />
      </section>
      <TransactionFilters query={query} status={filter.status} exportQuery={queryString(filter)} />
      {page.items.length === 0 ? <p class="empty">No transactions match.</p> : (
        <Island
          name="TransactionTable"
          props={{
            rows: page.items,
            energy: running.energy,
            implausible: running.implausible,
            generatedAt: now.toISOString(),
          }}
        />
      )}
      <StatusLegend />
      <nav class="pager" aria-label="Pages">
        {before ? <a href={queryString(formQuery) || "/transactions"}>Newest</a> : <span />}
        {page.nextCursor
          ? <a href={queryString({ ...formQuery, before: page.nextCursor })} rel="next">Older →</a>
          : <span />}
      </nav>
    </Layout>
  );
}

/** The API's transaction detail: its first page of meter values and where the rest start. */
type TransactionDetail = Transaction & {
  meterValues: MeterValue[];
  meterValuesTruncated: boolean;
  meterValuesNextCursor: string | null;
};

export async function transactionPage(api: PageApi, idText: string, now: Date) {
  if (!/^\d{1,10}$/.test(idText)) throw new PageError(404, `Transaction "${idText}" is unknown`);
  const [viewer, found, flags] = await Promise.all([
    api.viewer(),
    api.find<TransactionDetail>(`/api/v1/transactions/${idText}`),
    api.get<{ items: TransactionFlag[] }>(`/api/v1/transaction-flags?transactionId=${idText}`),
  ]);
  if (!found) throw new PageError(404, `Transaction ${idText} is unknown`);
  const { meterValues, meterValuesNextCursor, meterValuesTruncated: _, ...transaction } = found;
  // Whether its station is connected and still runs it: an operator or admin may then stop it from here (an
  // admin about to close it by hand is told).
  const station = viewer.role !== "viewer" && transaction.status === "active"
    ? await api.find<StationDetail>(`/api/v1/charge-points/${encodeURIComponent(transaction.chargePointId)}`)
    : null;
  // Whether a stop reaches it now (overview/stop_reach.ts); without one, Stop charging says why.
  const reach = station ? stopReach(station, transaction) : null;
  // The island gets the readings (two series, thinned for drawing), not the stored rows: the page stays small
  // however long the session, and live updates append what arrives after `cursor`. A session longer than the
  // detail's meter values is read on by pages.
  const { readings, cursor, values, energyReadings, complete } = await chartReadings(
    { items: meterValues, nextCursor: meterValuesNextCursor ?? null },
    (after) =>
      api.get<{ items: MeterValue[]; nextCursor: string | null }>(
        `/api/v1/transactions/${idText}/meter-values?after=${encodeURIComponent(after)}`,
      ),
  );
  return (
    <Layout title={`Transaction ${transaction.transactionId}`} current="/transactions" viewer={viewer}>
      <p class="crumbs">
        <a href="/transactions">Transactions</a> /{" "}
        <span aria-current="page">#{transaction.transactionId}</span>
      </p>
      <div class="page-head">
        <Island
          name="TransactionHeading"
          props={{
            transactionId: transaction.transactionId,
            chargePointId: transaction.chargePointId,
            status: transaction.status,
            supersededBy: transaction.supersededBy,
          }}
        />
      </div>
      <dl class="facts card">
        <div>
          <dt>Station</dt>
          <dd data-session-place>
            <a href={`/stations/${encodeURIComponent(transaction.chargePointId)}`}>
              {transaction.chargePointId}
            </a>{" "}
            {/* A 2.0.1 session's connectorId is its EVSE's id (the station page's EVSEs table). */}
            {transaction.stationTransactionId !== undefined ? "EVSE" : "connector"} {transaction.connectorId}
          </dd>
        </div>
        <div>
          <dt>Id tag</dt>
          <dd>
            <span class="mono">{transaction.idTag}</span> ({transaction.startIdTagStatus}){" "}
            <BadTagFlag status={transaction.startIdTagStatus} />
          </dd>
        </div>
        {transaction.supersededBy !== null && (
          <div>
            <dt>Superseded by</dt>
            <dd>
              <a href={`/transactions/${transaction.supersededBy}`}>#{transaction.supersededBy}</a>
            </dd>
          </div>
        )}
        {transaction.reservationId !== null && (
          <div>
            <dt>Reservation</dt>
            <dd>#{transaction.reservationId}</dd>
          </div>
        )}
        {transaction.stationTransactionId !== undefined && (
          <div>
            <dt>OCPP 2.0.1 transaction</dt>
            <dd data-station-transaction>
              <span class="mono">{transaction.stationTransactionId}</span>
              <span class="muted">
                {` · events ${
                  storedSeqNos(transaction).map(([first, last]) =>
                    first === last ? `${first}` : `${first}-${last}`
                  )
                    .join(", ")
                }`}
                {transaction.remoteStartId !== undefined
                  ? ` · remote start ${transaction.remoteStartId}`
                  : ""}
              </span>
            </dd>
          </div>
        )}
      </dl>
      {transaction.status !== "active" && (
        <p class="muted" data-status-meaning>{STATUS_MEANING[transaction.status]}</p>
      )}
      {reach && (
        <Island
          name="StopTransaction"
          props={{
            transactionId: transaction.transactionId,
            chargePointId: transaction.chargePointId,
            connectorId: transaction.connectorId,
            reach,
            canClose: viewer.role === "admin",
            ...(transaction.stationTransactionId !== undefined
              ? { stationTransactionId: transaction.stationTransactionId }
              : {}),
          }}
        />
      )}
      <TransactionFlags flags={flags.items} />
      {viewer.role === "admin" && transaction.status === "active" && (
        <Island
          name="CloseTransaction"
          props={{
            transactionId: transaction.transactionId,
            chargePointId: transaction.chargePointId,
            serverNow: now.toISOString(),
            meterStart: transaction.meterStart,
            lastReading: readings.energy.at(-1) ?? null,
            cursor,
            connectorId: transaction.connectorId,
            reach,
            ...(transaction.stationTransactionId !== undefined
              ? { stationTransactionId: transaction.stationTransactionId }
              : {}),
          }}
        />
      )}
      <Island
        name="TransactionChart"
        props={{ transaction, readings, energyReadings, cursor, generatedAt: now.toISOString() }}
      />
      {!complete && (
        <p class="muted" data-chart-partial>
          The chart shows the first {values.toLocaleString("en")}{" "}
          meter values of this session; read the rest from the API (meter values, by pages).
        </p>
      )}
    </Layout>
  );
}

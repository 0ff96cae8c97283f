/** `/transactions` (filters, totals, CSV export) and `/transactions/:id` (the energy and power chart). */
import { Time, TzLabel } from "../../components/time.tsx";
import { formatEnergy, queryString } from "../../components/format.ts";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import type { MeterValue, Page, Transaction } from "../../components/types.ts";
import { type PageApi, PageError } from "./http.ts";

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

export async function transactionsPage(api: PageApi, query: TransactionQuery) {
  const filter = apiFilter(query);
  const before = query.before && /^\d+$/.test(query.before) ? query.before : undefined;
  const [viewer, page] = await Promise.all([
    api.viewer(),
    api.get<Page<Transaction>>(`/api/v1/transactions${queryString({ ...filter, before, limit: PAGE_SIZE })}`),
  ]);
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

  return (
    <Layout title="Transactions" current="/transactions" viewer={viewer}>
      <div class="page-head">
        <h1>Transactions</h1>
        <ul class="stats" aria-label="Totals of the filter">
          <li>
            <span class="stat" data-total-count>{capped ? `${count}+` : count}</span> transactions
          </li>
          <li>
            <span class="stat">{active}</span> active
          </li>
          <li>
            <span class="stat">{capped ? "≥ " : ""}{formatEnergy(energyWh)}</span> delivered (finished)
          </li>
        </ul>
      </div>
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
            {["", "active", "finished", "superseded"].map((s) => (
              <option key={s} value={s} selected={(filter.status ?? "") === s}>{s || "any"}</option>
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
        <a class="button-link" href={`/api/v1/transactions/export.csv${queryString(filter)}`} download>
          Export CSV
        </a>
      </form>
      {page.items.length === 0
        ? <p class="empty">No transactions match.</p>
        : (
          <table class="table" aria-label="Transactions">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Station</th>
                <th scope="col">Connector</th>
                <th scope="col">Id tag</th>
                <th scope="col">
                  Started (<TzLabel />)
                </th>
                <th scope="col">
                  Stopped (<TzLabel />)
                </th>
                <th scope="col">Status</th>
                <th scope="col">Energy</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((t) => (
                <tr key={t.transactionId} data-transaction={t.transactionId}>
                  <td data-label="Id">
                    <a href={`/transactions/${t.transactionId}`}>#{t.transactionId}</a>
                  </td>
                  <td data-label="Station">
                    <a href={`/stations/${encodeURIComponent(t.chargePointId)}`}>{t.chargePointId}</a>
                  </td>
                  <td data-label="Connector">{t.connectorId}</td>
                  <td data-label="Id tag" class="mono">{t.idTag}</td>
                  <td data-label="Started">
                    <Time iso={t.startTimestamp} />
                  </td>
                  <td data-label="Stopped">
                    <Time iso={t.stopTimestamp} />
                  </td>
                  <td data-label="Status">{t.status}</td>
                  <td data-label="Energy" class="num">{formatEnergy(t.energyWh)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <nav class="pager" aria-label="Pages">
        {before ? <a href={queryString(formQuery) || "/transactions"}>Newest</a> : <span />}
        {page.nextCursor
          ? <a href={queryString({ ...formQuery, before: page.nextCursor })} rel="next">Older →</a>
          : <span />}
      </nav>
    </Layout>
  );
}

export async function transactionPage(api: PageApi, idText: string) {
  if (!/^\d{1,10}$/.test(idText)) throw new PageError(404, `Transaction "${idText}" is unknown`);
  const [viewer, found] = await Promise.all([
    api.viewer(),
    api.find<Transaction & { meterValues: MeterValue[] }>(`/api/v1/transactions/${idText}`),
  ]);
  if (!found) throw new PageError(404, `Transaction ${idText} is unknown`);
  const { meterValues, ...transaction } = found;
  return (
    <Layout title={`Transaction ${transaction.transactionId}`} current="/transactions" viewer={viewer}>
      <p class="crumbs">
        <a href="/transactions">Transactions</a> /{" "}
        <span aria-current="page">#{transaction.transactionId}</span>
      </p>
      <div class="page-head">
        <h1>Transaction #{transaction.transactionId}</h1>
      </div>
      <dl class="facts card">
        <div>
          <dt>Station</dt>
          <dd>
            <a href={`/stations/${encodeURIComponent(transaction.chargePointId)}`}>
              {transaction.chargePointId}
            </a>{" "}
            connector {transaction.connectorId}
          </dd>
        </div>
        <div>
          <dt>Id tag</dt>
          <dd class="mono">{transaction.idTag} ({transaction.startIdTagStatus})</dd>
        </div>
        <div>
          <dt>Meter start / stop</dt>
          <dd>
            {transaction.meterStart} Wh / {transaction.meterStop ?? "—"}
            {transaction.meterStop !== null ? " Wh" : ""}
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
      </dl>
      <Island name="TransactionChart" props={{ transaction, meterValues }} />
    </Layout>
  );
}

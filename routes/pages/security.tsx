/**
 * `/security`: the security event log (operators and admins), newest first: failed station authentication,
 * refused and rate-limited stations, failed operator logins, changed station security settings. Read from the
 * durable log (every process on the store), filtered by kind and station, paged with the API's cursor.
 */
import { Time, TzLabel } from "../../components/time.tsx";
import { queryString } from "../../components/format.ts";
import { Layout } from "../../components/layout.tsx";
import type { SecurityEvent } from "../../components/types.ts";
import { SECURITY_EVENT_KINDS, type SecurityEventKind } from "../../security/security_events.ts";
import { type PageApi, PageError, type StatusPage } from "./http.ts";
import { oneOf, queryProblems, textUpTo } from "./query_problems.ts";
import { QueryProblems } from "../../components/query_problems.tsx";
import type { VNode } from "preact";

const LIMIT = 200;

export interface SecurityQuery {
  kind?: string | undefined;
  chargePointId?: string | undefined;
  before?: string | undefined;
}

interface EventsPage {
  items: SecurityEvent[];
  nextCursor?: string | null;
  source?: "store" | "memory";
}

const TONE: Record<SecurityEventKind, string> = {
  station_auth_failed: "fault",
  station_refused: "fault",
  station_rate_limited: "suspended",
  station_flood_closed: "suspended",
  certificate_accepted: "ok",
  certificate_rejected: "fault",
  login_failed: "fault",
  login_rate_limited: "suspended",
  station_security_changed: "transit",
  station_security_deleted: "transit",
  csr_rejected: "fault",
  certificate_issued: "ok",
  certificate_installed: "ok",
  certificate_signed_rejected: "fault",
  certificate_signed_undelivered: "fault",
  upload_refused: "fault",
  download_refused: "fault",
  station_event: "transit",
  station_event_critical: "fault",
  station_events_dropped: "suspended",
  source_events_suppressed: "suspended",
};

/** What the page's query may hold; anything else is said, not dropped (an unfiltered log looks filtered). */
const QUERY_RULES = {
  kind: oneOf(SECURITY_EVENT_KINDS),
  chargePointId: textUpTo(100),
  before: textUpTo(100),
};

export async function securityPage(
  api: PageApi,
  query: SecurityQuery & Record<string, string | undefined>,
): Promise<VNode | StatusPage> {
  const viewer = await api.viewer();
  if (viewer.role === "viewer") throw new PageError(403, "Security events are shown to operators and admins");
  const problems = queryProblems(query, QUERY_RULES);
  if (problems.length > 0) {
    return {
      status: 400,
      page: (
        <Layout title="Security" current="/security" viewer={viewer}>
          <div class="page-head">
            <h1>Security events</h1>
          </div>
          <QueryProblems problems={problems} clearHref="/security" />
        </Layout>
      ),
    };
  }
  const kind = SECURITY_EVENT_KINDS.find((k) => k === query.kind);
  const chargePointId = query.chargePointId?.trim().slice(0, 100) || undefined;
  const before = query.before?.slice(0, 100) || undefined;
  const filter = { kind, chargePointId };
  const events = await api.find<EventsPage>(
    `/api/v1/security-events${queryString({ limit: LIMIT, ...filter, before })}`,
  );
  const nextCursor = events?.nextCursor ?? null;

  return (
    <Layout title="Security" current="/security" viewer={viewer}>
      <div class="page-head">
        <h1>Security events</h1>
        <a href={`/security${queryString(filter)}`}>Refresh</a>
      </div>
      <form class="filters" method="get" action="/security" role="search">
        <label>
          Kind
          <select name="kind">
            <option value="" selected={kind === undefined}>any</option>
            {SECURITY_EVENT_KINDS.map((k) => <option key={k} value={k} selected={kind === k}>{k}</option>)}
          </select>
        </label>
        <label>
          Station
          <input name="chargePointId" value={chargePointId ?? ""} maxLength={100} />
        </label>
        <button type="submit">Filter</button>
      </form>
      {events === null
        ? <p class="empty">This server does not record security events.</p>
        : events.items.length === 0
        ? (
          <p class="empty">
            {before ? "No older security events" : "No security events"}
            {kind || chargePointId ? " match" : ""}.
            {before ? <a href={`/security${queryString(filter)}`}>Newest</a> : null}
          </p>
        )
        : (
          <section class="card">
            <p class="muted small">
              {before ? "Older events" : `The newest ${events.items.length}`}
              {events.source === "memory"
                ? " (the store is unavailable: only this process's recent events; the log has them all)."
                : " (kept up to 90 days or 100,000 events)."}
            </p>
            <table class="table" aria-label="Security events">
              <thead>
                <tr>
                  <th scope="col">
                    At (<TzLabel />)
                  </th>
                  <th scope="col">Kind</th>
                  <th scope="col">Station</th>
                  <th scope="col">User</th>
                  <th scope="col">From</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {events.items.map((e, i) => (
                  <tr
                    key={`${e.at}-${i}`}
                    data-security-event={e.kind}
                    data-station={e.chargePointId ?? ""}
                    class={e.kind === "station_event_critical" ? "critical" : undefined}
                  >
                    <td data-label="At">
                      <Time iso={e.at} />
                    </td>
                    <td data-label="Kind">
                      <span class={`chip tone-${TONE[e.kind] ?? "off"}`}>{e.kind}</span>
                    </td>
                    <td data-label="Station" class="mono">
                      {e.chargePointId === null
                        ? <span class="muted">—</span>
                        : <a href={`/stations/${encodeURIComponent(e.chargePointId)}`}>{e.chargePointId}</a>}
                    </td>
                    <td data-label="User" class="mono">{e.principal ?? <span class="muted">—</span>}</td>
                    <td data-label="From" class="mono">{e.remoteAddress ?? <span class="muted">—</span>}</td>
                    <td data-label="HTTP">{e.status ?? "—"}</td>
                    <td data-label="Detail" class="wrap">{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <nav class="pager" aria-label="Pages">
              {before ? <a href={`/security${queryString(filter)}`}>Newest</a> : <span />}
              {nextCursor
                ? (
                  <a href={`/security${queryString({ ...filter, before: nextCursor })}`} rel="next">
                    Older →
                  </a>
                )
                : <span />}
            </nav>
          </section>
        )}
    </Layout>
  );
}

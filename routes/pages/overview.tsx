/**
 * `/`: the fleet, live: KPIs, what needs attention, and the station table (search, filters, sort and page
 * come from the URL and go to the API as they are; overview/fleet.ts defines each number).
 */
import { EMPTY_QUERY, overviewApiPath, type OverviewQuery } from "../../components/overview_query.ts";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import type { ClusterNode, Overview, ServerWarning } from "../../components/types.ts";
import { ServerWarnings } from "../../components/server_warnings.tsx";
import { ClusterNodes, LostNodeNotices } from "../../components/cluster_nodes.tsx";
import { FILTER_STATUSES } from "../../overview/connector_status.ts";
import { ATTENTION_KINDS, SORT_KEYS } from "../../overview/fleet.ts";
import { jobCommands } from "../../components/job_catalog.ts";
import type { PageApi, StatusPage } from "./http.ts";
import { oneOf, queryProblems, textUpTo, wholeNumber } from "./query_problems.ts";
import { QueryProblems } from "../../components/query_problems.tsx";
import type { VNode } from "preact";

export const PAGE_SIZE = 50;

/** The page's query string as a valid OverviewQuery: anything unknown falls back to the default. */
export function overviewQuery(raw: Record<string, string | undefined>): OverviewQuery {
  const pick = <T extends string>(
    value: string | undefined,
    allowed: readonly T[],
    fallback: T | "",
  ): T | "" => allowed.includes(value as T) ? (value as T) : fallback;
  const offset = Number(raw.offset ?? 0);
  return {
    search: (raw.search ?? "").trim().slice(0, 100),
    status: pick(raw.status, FILTER_STATUSES, ""),
    online: pick(raw.online, ["true", "false"], ""),
    attention: pick(raw.attention, ATTENTION_KINDS, ""),
    sort: pick(raw.sort, SORT_KEYS, "id") || "id",
    order: raw.order === "desc" ? "desc" : "asc",
    offset: Number.isInteger(offset) && offset > 0 ? Math.min(offset, 1_000_000) : EMPTY_QUERY.offset,
  };
}

/** What the page's query may hold (as the API's); anything else is said, not dropped. */
const QUERY_RULES = {
  search: textUpTo(100),
  status: oneOf(FILTER_STATUSES),
  online: oneOf(["true", "false"]),
  attention: oneOf(ATTENTION_KINDS),
  sort: oneOf(SORT_KEYS),
  order: oneOf(["asc", "desc"]),
  offset: wholeNumber(0, 1_000_000),
};

export async function overviewPage(
  api: PageApi,
  raw: Record<string, string | undefined>,
): Promise<VNode | StatusPage> {
  const problems = queryProblems(raw, QUERY_RULES);
  if (problems.length > 0) {
    const viewer = await api.viewer();
    return {
      status: 400,
      page: (
        <Layout title="Overview" current="/" viewer={viewer}>
          <div class="page-head">
            <h1>Stations</h1>
          </div>
          <QueryProblems problems={problems} clearHref="/" />
        </Layout>
      ),
    };
  }
  const query = overviewQuery(raw);
  const [viewer, data] = await Promise.all([
    api.viewer(),
    api.get<Overview>(overviewApiPath(query, PAGE_SIZE)),
  ]);
  const operator = viewer.role === "operator" || viewer.role === "admin";
  const warnings = viewer.role === "admin"
    ? (await api.get<{ items: ServerWarning[] }>("/api/v1/server-warnings")).items
    : [];
  // Operators and admins: a node lost lately is news (its stations went offline with it).
  // A cluster that cannot be read leaves the stations page as it was.
  const nodes = operator
    ? (await api.get<{ items: ClusterNode[] }>("/api/v1/cluster/nodes").catch(() => ({ items: [] }))).items
    : [];
  return (
    <Layout title="Overview" current="/" viewer={viewer}>
      <ServerWarnings items={warnings} />
      <LostNodeNotices nodes={nodes} />
      <div class="page-head">
        <h1>Stations</h1>
      </div>
      <Island
        name="FleetOverview"
        props={{ data, query, ...(operator ? { commands: jobCommands() } : {}) }}
      />
      <ClusterNodes nodes={nodes} />
    </Layout>
  );
}

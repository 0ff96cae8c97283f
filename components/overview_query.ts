/**
 * The overview's state is its URL: search, filters, sort and page are query parameters, so every view can be
 * bookmarked, works without JavaScript, and a one-click filter is a link.
 */
import { queryString } from "./format.ts";

export interface OverviewQuery {
  search: string;
  status: string;
  /** "", "true" or "false". */
  online: string;
  attention: string;
  sort: string;
  order: "asc" | "desc";
  offset: number;
}

export const EMPTY_QUERY: OverviewQuery = {
  search: "",
  status: "",
  online: "",
  attention: "",
  sort: "id",
  order: "asc",
  offset: 0,
};

/** The page's href for `query` with `changes` (the defaults left out). */
export function overviewHref(query: OverviewQuery, changes: Partial<OverviewQuery> = {}): string {
  const q = { ...query, ...changes };
  return "/" + queryString({
    search: q.search || undefined,
    status: q.status || undefined,
    online: q.online || undefined,
    attention: q.attention || undefined,
    sort: q.sort === "id" ? undefined : q.sort,
    order: q.order === "asc" ? undefined : q.order,
    offset: q.offset > 0 ? q.offset : undefined,
  });
}

/** The same query for the API. */
export function overviewApiPath(query: OverviewQuery, limit: number, dayStart?: string): string {
  return "/api/v1/overview" + queryString({
    search: query.search || undefined,
    status: query.status || undefined,
    online: query.online || undefined,
    attention: query.attention || undefined,
    sort: query.sort,
    order: query.order,
    offset: query.offset || undefined,
    limit,
    dayStart,
  });
}

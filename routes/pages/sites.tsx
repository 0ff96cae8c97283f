/**
 * `/sites`: every site with its limit and latest allocation (operators also create one); `/sites/:siteId`: one
 * site live (its chargers' allocations and measured currents, and the site over time) and its stations, an id
 * no station ever connected with flagged (a typo there leaves the station meant out of load management).
 */
import { formatTime } from "../../components/format.ts";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import type { Page, Site, SiteDetail, SiteSample, StationSummary } from "../../components/types.ts";
import { type PageApi, PageError } from "./http.ts";

/** Samples the site page starts with: a day at one division a minute. */
const HISTORY = 720;

export async function sitesPage(api: PageApi) {
  const [viewer, sites] = await Promise.all([api.viewer(), api.get<Page<Site>>("/api/v1/sites?limit=500")]);
  const details = await Promise.all(
    sites.items.map((s) => api.get<SiteDetail>(`/api/v1/sites/${encodeURIComponent(s.siteId)}`)),
  );
  const canEdit = viewer.role === "operator" || viewer.role === "admin";
  return (
    <Layout title="Sites" current="/sites" viewer={viewer}>
      <div class="page-head">
        <h1>Sites</h1>
      </div>
      <p class="muted">
        A site's grid limit is divided among the charging sessions of its stations; see the README's load
        management section.
      </p>
      {canEdit && <Island name="SiteForm" props={{ site: null }} />}
      {details.length === 0 ? <p class="empty">No sites yet.</p> : (
        <table class="table" aria-label="Sites">
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Limit</th>
              <th scope="col">Stations</th>
              {/* Its allocation's chargers are its sessions: one per connector (EVSE) with a transaction. */}
              <th
                scope="col"
                title="Charging sessions (one per connector or EVSE with a transaction) the latest division shared the limit among, at its time"
              >
                Sessions divided
              </th>
              <th scope="col">Allocated</th>
              <th scope="col">Measured</th>
              <th scope="col">Divided at (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {details.map((s) => (
              <tr key={s.siteId} data-site={s.siteId}>
                <td data-label="Site">
                  <a href={`/sites/${encodeURIComponent(s.siteId)}`}>{s.name}</a>{" "}
                  <span class="muted small mono">{s.siteId}</span>
                </td>
                <td data-label="Limit" class="num">{s.maxCurrentA} A</td>
                <td data-label="Stations" class="num">{s.chargePointIds.length}</td>
                <td data-label="Sessions divided" class="num">{s.allocation?.chargers.length ?? 0}</td>
                <td data-label="Allocated" class="num">
                  {s.allocation ? `${s.allocation.allocatedA} A` : "—"}
                </td>
                <td data-label="Measured" class="num">
                  {s.allocation?.measuredA !== null && s.allocation?.measuredA !== undefined
                    ? `${s.allocation.measuredA} A`
                    : "—"}
                </td>
                <td data-label="Divided at">{formatTime(s.allocation?.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

export async function sitePage(api: PageApi, siteId: string) {
  const base = `/api/v1/sites/${encodeURIComponent(siteId)}`;
  const [viewer, site] = await Promise.all([api.viewer(), api.find<SiteDetail>(base)]);
  if (!site) throw new PageError(404, `Site "${siteId}" is unknown`);
  const [samples, stations] = await Promise.all([
    api.get<{ items: SiteSample[] }>(`${base}/samples?limit=${HISTORY}`),
    // At most MAX_SITE_STATIONS (100) look-ups, side by side.
    Promise.all(
      site.chargePointIds.map(async (id) => ({
        id,
        station: await api.find<StationSummary>(`/api/v1/charge-points/${encodeURIComponent(id)}`),
      })),
    ),
  ]);
  const canEdit = viewer.role === "operator" || viewer.role === "admin";
  return (
    <Layout title={site.name} current="/sites" viewer={viewer}>
      <p class="crumbs">
        <a href="/sites">Sites</a> / <span aria-current="page">{site.name}</span>
      </p>
      <Island name="SiteMonitor" props={{ site, samples: samples.items.reverse(), canEdit }} />
      <SiteStations stations={stations} />
    </Layout>
  );
}

/** The site's stations as the server knows them: online, offline, decommissioned, or never seen. */
function SiteStations(props: { stations: { id: string; station: StationSummary | null }[] }) {
  const unknown = props.stations.filter((s) => s.station === null).map((s) => s.id);
  return (
    <section class="card" aria-labelledby="site-stations-title">
      <h2 id="site-stations-title">Stations ({props.stations.length})</h2>
      {unknown.length > 0 && (
        <p class="warn" role="note" data-unknown-stations>
          No station has ever connected as{" "}
          {unknown.map((id) => `"${id}"`).join(", ")}: if that is a typo, the station meant is not
          load-managed. Correct the list under Settings.
        </p>
      )}
      {props.stations.length === 0
        ? <p class="muted">None: add station ids under Settings.</p>
        : (
          <ul class="chips site-stations">
            {props.stations.map(({ id, station }) => (
              <li key={id} data-site-station={id}>
                {station
                  ? (
                    <>
                      <a href={`/stations/${encodeURIComponent(id)}`}>{id}</a>{" "}
                      <span class={`badge ${station.online ? "online" : "offline"}`}>
                        {station.decommissionedAt ? "decommissioned" : station.online ? "online" : "offline"}
                      </span>
                    </>
                  )
                  : (
                    <>
                      <span class="mono">{id}</span> <span class="badge warn">never connected</span>
                    </>
                  )}
              </li>
            ))}
          </ul>
        )}
    </section>
  );
}

/**
 * `/id-tags` and `/handshakes` (unaccepted and decommissioned stations, refused handshakes): the lists an admin
 * acts on (others only read them).
 */
import { Time, TzLabel } from "../../components/time.tsx";
import { Island } from "../../components/island.tsx";
import { Layout } from "../../components/layout.tsx";
import { TagIdTokenType } from "../../model/id_tag.ts";
import type { HandshakeFailure, IdTag, Page, StationSummary, UnknownIdTag } from "../../components/types.ts";
import type { PageApi } from "./http.ts";

const ID_TAG_PAGE = 100;
/** Unknown id tags shown: the most recently presented. */
const UNKNOWN_ID_TAGS = 50;
/** Unaccepted stations, filtered by the API: its largest page, a bounded number of times. */
const UNACCEPTED = "registration=Pending,Rejected,none";
const SCAN_PAGE = 500;
const SCAN_PAGES = 4;

export async function idTagsPage(api: PageApi, now: Date) {
  const [viewer, page, unknown] = await Promise.all([
    api.viewer(),
    api.get<Page<IdTag>>(`/api/v1/id-tags?limit=${ID_TAG_PAGE}`),
    api.get<{ items: UnknownIdTag[] }>(`/api/v1/unknown-id-tags?limit=${UNKNOWN_ID_TAGS}`),
  ]);
  const canEdit = viewer.role === "admin";
  return (
    <Layout title="Id tags" current="/id-tags" viewer={viewer}>
      <div class="page-head">
        <h1>Id tags</h1>
        {!canEdit && <p class="muted">Only admins change id tags.</p>}
      </div>
      <Island
        name="IdTagManager"
        props={{
          items: page.items,
          unknown: unknown.items,
          serverNow: now.toISOString(),
          nextCursor: page.nextCursor,
          canEdit,
          pageSize: ID_TAG_PAGE,
          tokenTypes: TagIdTokenType.options,
        }}
      />
    </Layout>
  );
}

export async function handshakesPage(api: PageApi) {
  const [viewer, failures, decommissioned] = await Promise.all([
    api.viewer(),
    api.get<{ items: HandshakeFailure[] }>("/api/v1/handshake-failures?limit=200"),
    // Out of service: the one place the dashboard still lists them (their pages put them back).
    api.get<Page<StationSummary>>(`/api/v1/charge-points?decommissioned=true&limit=${SCAN_PAGE}`),
  ]);
  // The API filters (and bounds its own scan, handing back a cursor when it stops early).
  const unaccepted: StationSummary[] = [];
  let after: string | null = null;
  let capped = false;
  for (let i = 0; i < SCAN_PAGES; i++) {
    const page: Page<StationSummary> = await api.get<Page<StationSummary>>(
      `/api/v1/charge-points?${UNACCEPTED}&limit=${SCAN_PAGE}${
        after ? `&after=${encodeURIComponent(after)}` : ""
      }`,
    );
    unaccepted.push(...page.items);
    if (page.nextCursor === null) break;
    after = page.nextCursor;
    capped = i === SCAN_PAGES - 1;
  }
  const canAccept = viewer.role === "admin";
  const known = new Set(unaccepted.map((s) => s.id));

  return (
    <Layout title="Handshakes" current="/handshakes" viewer={viewer}>
      <div class="page-head">
        <h1>Unaccepted stations and failed handshakes</h1>
      </div>
      <section class="card" aria-labelledby="pending-title">
        <h2 id="pending-title">Stations not accepted ({unaccepted.length})</h2>
        <p class="muted small">
          Pending, rejected, or never booted. Accepting sets what the station's next BootNotification is
          answered with; a connected station must disconnect first.
          {capped && ` Only the stations up to "${after}" were looked at.`}
        </p>
        {unaccepted.length === 0
          ? <p class="empty">Every known station is accepted.</p>
          : (
            <table class="table" aria-label="Stations not accepted">
              <thead>
                <tr>
                  <th scope="col">Station</th>
                  <th scope="col">Registration</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    Last seen (<TzLabel />)
                  </th>
                  {canAccept && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {unaccepted.map((s) => (
                  <tr key={s.id} data-pending={s.id}>
                    <td data-label="Station">
                      <a href={`/stations/${encodeURIComponent(s.id)}`}>{s.id}</a>
                    </td>
                    <td data-label="Registration">{s.registrationStatus ?? "never booted"}</td>
                    <td data-label="State">{s.online ? "online" : "offline"}</td>
                    <td data-label="Last seen">
                      <Time iso={s.lastSeen} />
                    </td>
                    {canAccept && (
                      <td data-label="Action">
                        <Island
                          name="AcceptStation"
                          props={{ chargePointId: s.id, registrationStatus: s.registrationStatus }}
                        />
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <section class="card" aria-labelledby="decommissioned-title">
        <h2 id="decommissioned-title">
          Decommissioned stations ({decommissioned.items.length}
          {decommissioned.nextCursor !== null && "+"})
        </h2>
        <p class="muted small">
          Refused whenever they connect, and left out of the overview, alerts and jobs; an admin puts one back
          in service on its page.
        </p>
        {decommissioned.items.length === 0
          ? <p class="empty">None.</p>
          : (
            <table class="table" aria-label="Decommissioned stations">
              <thead>
                <tr>
                  <th scope="col">Station</th>
                  <th scope="col">
                    Since (<TzLabel />)
                  </th>
                  <th scope="col">
                    Last seen (<TzLabel />)
                  </th>
                </tr>
              </thead>
              <tbody>
                {decommissioned.items.map((s) => (
                  <tr key={s.id} data-decommissioned={s.id}>
                    <td data-label="Station">
                      <a href={`/stations/${encodeURIComponent(s.id)}`}>{s.id}</a>
                    </td>
                    <td data-label="Since">
                      <Time iso={s.decommissionedAt} />
                    </td>
                    <td data-label="Last seen">
                      <Time iso={s.lastSeen} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
      <section class="card" aria-labelledby="failures-title">
        <h2 id="failures-title">Refused handshakes ({failures.items.length})</h2>
        {failures.items.length === 0
          ? <p class="empty">No refused handshakes since the server started.</p>
          : (
            <table class="table" aria-label="Refused handshakes">
              <thead>
                <tr>
                  <th scope="col">
                    At (<TzLabel />)
                  </th>
                  <th scope="col">Station</th>
                  <th scope="col">From</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">Reason</th>
                  {canAccept && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {failures.items.map((f, i) => (
                  <tr key={`${f.at}-${i}`}>
                    <td data-label="At">
                      <Time iso={f.at} />
                    </td>
                    <td data-label="Station" class="mono">
                      {f.chargePointId ?? <span class="muted">(none)</span>}
                    </td>
                    <td data-label="From" class="mono">{f.remoteAddress}</td>
                    <td data-label="HTTP">{f.status}</td>
                    <td data-label="Reason" class="wrap">{f.reason}</td>
                    {canAccept && (
                      <td data-label="Action">
                        {f.chargePointId !== null && !known.has(f.chargePointId) && (
                          <Island
                            name="AcceptStation"
                            props={{ chargePointId: f.chargePointId, registrationStatus: null }}
                          />
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </section>
    </Layout>
  );
}

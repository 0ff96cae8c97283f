/**
 * An OCPP 2.0.1 station's smart charging as the station itself reports it: the profiles of its last
 * ReportChargingProfiles (the answer to GetChargingProfiles) and the external limits in force
 * (NotifyChargingLimit). Beside the command log (what we asked), this is what the station says it does.
 * Server-rendered, no state.
 */
import { Time, TzLabel } from "./time.tsx";
import type { StationDetail } from "./types.ts";

type Reports = NonNullable<StationDetail["chargingReports"]>;

/** "EVSE 1", or "station" for EVSE 0 (the whole station). */
function evseLabel(evseId: number): string {
  return evseId === 0 ? "station" : `EVSE ${evseId}`;
}

export function ChargingReportsCard(props: { reports: Reports | null | undefined }) {
  const reports = props.reports ?? { reports: [], limits: [] };
  const profiles = reports.reports.flatMap((r) =>
    r.chargingProfile.map((profile) => ({ evseId: r.evseId, source: r.chargingLimitSource, profile }))
  );
  return (
    <section class="card" aria-labelledby="charging-reports-title">
      <div class="card-head">
        <h2 id="charging-reports-title">Smart charging (reported by the station)</h2>
        {reports.reportedAt && (
          <span class="muted">
            request {reports.requestId} · <Time iso={reports.reportedAt} />
            {reports.complete === false ? " · more reports to come" : ""}
          </span>
        )}
      </div>
      <h3>Profiles</h3>
      {profiles.length === 0
        ? <p class="muted">No profiles reported: send GetChargingProfiles.</p>
        : (
          <table class="table" aria-label="Reported charging profiles">
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Source</th>
                <th scope="col">Profile</th>
                <th scope="col">Purpose</th>
                <th scope="col">Stack level</th>
                <th scope="col">Kind</th>
              </tr>
            </thead>
            <tbody>
              {profiles.map(({ evseId, source, profile }) => (
                <tr key={`${evseId}-${source}-${String(profile["id"])}`}>
                  <td data-label="Where">{evseLabel(evseId)}</td>
                  <td data-label="Source">{source}</td>
                  <td data-label="Profile" class="mono">{String(profile["id"] ?? "")}</td>
                  <td data-label="Purpose">{String(profile["chargingProfilePurpose"] ?? "")}</td>
                  <td data-label="Stack level">{String(profile["stackLevel"] ?? "")}</td>
                  <td data-label="Kind">{String(profile["chargingProfileKind"] ?? "")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <h3>External limits</h3>
      {reports.limits.length === 0
        ? <p class="muted">No external charging limit in force.</p>
        : (
          <table class="table" aria-label="External charging limits">
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">Source</th>
                <th scope="col">Grid critical</th>
                <th scope="col">
                  Since (<TzLabel />)
                </th>
              </tr>
            </thead>
            <tbody>
              {reports.limits.map((l) => (
                <tr
                  key={`${l.evseId}-${l.chargingLimitSource}`}
                  data-grid-critical={String(l.isGridCritical)}
                >
                  <td data-label="Where">{evseLabel(l.evseId)}</td>
                  <td data-label="Source">{l.chargingLimitSource}</td>
                  <td data-label="Grid critical">{l.isGridCritical ? "yes" : "no"}</td>
                  <td data-label="Since">
                    <Time iso={l.at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}

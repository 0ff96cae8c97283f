/**
 * One site live: its limit, what each charger is allocated, has accepted and draws, and the site over time
 * (limit, allocation, measured current). Follows the `siteAllocation` events of the live stream; operators
 * also change the site's limit and stations, or delete it.
 */
import { useMemo, useState } from "preact/hooks";
import { formatTime } from "../components/format.ts";
import { SeriesChart } from "../components/series_chart.tsx";
import type { SiteAllocationEvent, SiteDetail, SiteSample } from "../components/types.ts";
import { apiFetch, LiveDot, useEvents } from "./client.tsx";
import SiteForm from "./SiteForm.tsx";

export interface SiteMonitorProps {
  site: SiteDetail;
  /** Oldest first. */
  samples: SiteSample[];
  canEdit: boolean;
}

/** Samples kept in the browser for the chart. */
const KEEP = 720;

const KIND_LABEL: Record<SiteSample["chargers"][number]["kind"], string> = {
  allocated: "charging",
  waiting: "waiting (site full)",
  refuses: "refuses profiles",
  offline: "offline (counted)",
  released: "offline (lease ended)",
};

const amps = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${v} A`);

export default function SiteMonitor(props: SiteMonitorProps) {
  const [site, setSite] = useState(props.site);
  const [samples, setSamples] = useState(props.samples);
  const latest = samples.at(-1) ?? site.allocation;

  const reload = async () => {
    try {
      const base = `/api/v1/sites/${encodeURIComponent(site.siteId)}`;
      const [fresh, history] = await Promise.all([
        apiFetch<SiteDetail>(base),
        apiFetch<{ items: SiteSample[] }>(`${base}/samples?limit=${KEEP}`),
      ]);
      setSite(fresh);
      setSamples(history.items.reverse());
    } catch {
      // Shown as it was; the next event or reconnection tries again.
    }
  };

  const live = useEvents<SiteAllocationEvent>("types=siteAllocation", (event) => {
    if (event.type !== "siteAllocation" || event.siteId !== site.siteId) return;
    setSamples((list) => [...list.filter((s) => s.at !== event.sample.at), event.sample].slice(-KEEP));
  }, reload);

  const series = useMemo(() => {
    const points = (pick: (s: SiteSample) => number | null) =>
      samples.flatMap((s) => {
        const v = pick(s);
        return v === null ? [] : [{ t: Date.parse(s.at), v }];
      });
    return [
      { name: "Limit", tone: "limit" as const, step: true, points: points((s) => s.limitA) },
      {
        name: "Allocated",
        tone: "allocated" as const,
        step: true,
        points: points((s) => s.allocatedA + s.fixedA),
      },
      { name: "Measured", tone: "measured" as const, points: points((s) => s.measuredA) },
    ];
  }, [samples]);

  const limit = latest?.limitA ?? site.maxCurrentA;
  return (
    <div>
      <section class="card" aria-labelledby="site-now-title">
        <div class="card-head">
          <h2 id="site-now-title">Now</h2>
          <LiveDot live={live} />
        </div>
        <dl class="facts">
          <div>
            <dt>Grid limit</dt>
            <dd data-site-limit={site.maxCurrentA}>{site.maxCurrentA} A per phase</dd>
          </div>
          <div>
            <dt>Allocated</dt>
            <dd data-site-allocated={latest?.allocatedA ?? 0}>{amps(latest ? latest.allocatedA : null)}</dd>
          </div>
          <div>
            <dt>Counted, not steerable</dt>
            <dd>{amps(latest ? latest.fixedA : null)}</dd>
          </div>
          <div>
            <dt>Measured</dt>
            <dd data-site-measured={latest?.measuredA ?? ""}>{amps(latest?.measuredA)}</dd>
          </div>
          <div>
            <dt>Divided at (UTC)</dt>
            <dd>{formatTime(latest?.at)}</dd>
          </div>
        </dl>
        {latest && latest.fixedA > limit && (
          // The numbers above said it, but only to an operator who compared them: the grid connection may trip.
          <p class="warn" role="alert" data-site-over-limit>
            The sessions this site cannot steer (stations that refuse charging profiles or are offline) are
            counted at {amps(latest.fixedA)}, above its {amps(limit)}{" "}
            limit: nothing is left for the sessions it steers, and together they may draw more than the grid
            connection allows. See each one's state below: a station that refuses profiles needs its smart
            charging enabled, or the limit is wrong.
          </p>
        )}
        {!latest || latest.chargers.length === 0
          ? <p class="muted">No charging session on this site.</p>
          : (
            <table class="table" aria-label="Chargers">
              <thead>
                <tr>
                  <th scope="col">Station</th>
                  <th scope="col">Connector</th>
                  <th scope="col">Transaction</th>
                  <th scope="col">State</th>
                  <th scope="col">Allocation</th>
                  <th scope="col">Accepted</th>
                  <th scope="col">Measured</th>
                  <th scope="col" class="bar-col">Share of the limit</th>
                </tr>
              </thead>
              <tbody>
                {latest.chargers.map((c) => (
                  <tr key={`${c.chargePointId}/${c.connectorId}`} data-charger={c.chargePointId}>
                    <td data-label="Station">
                      <a href={`/stations/${encodeURIComponent(c.chargePointId)}`}>{c.chargePointId}</a>
                    </td>
                    <td data-label="Connector">{c.connectorId}</td>
                    <td data-label="Transaction">
                      <a href={`/transactions/${c.transactionId}`}>#{c.transactionId}</a>
                    </td>
                    <td data-label="State" data-kind={c.kind}>{KIND_LABEL[c.kind]}</td>
                    <td data-label="Allocation" class="num" data-allocation={c.limitA}>{amps(c.limitA)}</td>
                    <td data-label="Accepted" class="num">{amps(c.appliedA)}</td>
                    <td data-label="Measured" class="num" data-measured={c.measuredA ?? ""}>
                      {amps(c.measuredA)}
                    </td>
                    <td data-label="Share" class="bar-col">
                      <ShareBar limitA={c.limitA} measuredA={c.measuredA} siteA={limit} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        {latest && latest.chargers.length > 0 && latest.chargers.every((c) => c.measuredA === null) && (
          <p class="muted small" data-no-measurements>
            No current measured yet for these sessions: it comes from <code>Current.Import</code>{" "}
            in the stations' MeterValues, and until it does the limit is divided on allocations alone (what an
            EV leaves unused is not given to the others). If none comes, add <code>Current.Import</code>{" "}
            to the stations' <code>MeterValuesSampledData</code> (ChangeConfiguration).
          </p>
        )}
      </section>
      <section class="card" aria-labelledby="site-history-title">
        <div class="card-head">
          <h2 id="site-history-title">Over time</h2>
        </div>
        <SeriesChart id="site-current" title="Current per phase" unit="A" series={series} />
      </section>
      {props.canEdit && (
        <SiteForm
          site={site}
          onSaved={(s) => setSite({ ...s, allocation: site.allocation })}
        />
      )}
    </div>
  );
}

/** A charger's allocation (and what it draws) as a share of the site's limit; SVG, as the page's CSP allows no inline styles. */
function ShareBar(props: { limitA: number; measuredA: number | null; siteA: number }) {
  const pct = (v: number) => Math.max(0, Math.min(100, (v / (props.siteA || 1)) * 100));
  return (
    <svg class="share-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
      <rect class="bar-track" width="100" height="10" rx="2" />
      <rect class="bar-fill" width={pct(props.limitA)} height="10" rx="2" />
      {props.measuredA !== null && (
        <rect class="bar-measured" y="3.5" width={pct(props.measuredA)} height="3" />
      )}
    </svg>
  );
}

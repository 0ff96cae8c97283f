/**
 * Start or stop virtual stations in the server process (admins): how many, their id prefix, connectors,
 * and whether drivers and faults come by on their own. While they run, their states and the connectors'
 * statuses are shown and refreshed every two seconds.
 */
import { useEffect, useState } from "preact/hooks";
import type { SimulatorStatus } from "../components/types.ts";
import { ApiCallError, apiFetch } from "./client.tsx";
import { ResultLine, useAction } from "./admin_kit.tsx";

export interface VirtualStationsProps {
  status: SimulatorStatus;
}

const POLL_MS = 2000;

export default function VirtualStations(props: VirtualStationsProps) {
  const [status, setStatus] = useState(props.status);
  const [draft, setDraft] = useState({
    stations: String(Math.min(5, props.status.maxStations)),
    prefix: "SIM-",
    connectors: "2",
    drivers: false,
    faults: false,
  });
  const { busy, result, run } = useAction();
  // Refused for want of an Accepted id tag for the drivers: the way out is the id tags page.
  const [needsTags, setNeedsTags] = useState(false);

  useEffect(() => {
    if (!status.running) return;
    const timer = setInterval(() => {
      apiFetch<SimulatorStatus>("/api/v1/simulator").then(setStatus).catch(() => {});
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [status.running]);

  const start = (e: Event) => {
    e.preventDefault();
    setNeedsTags(false);
    void run(`Started ${draft.stations} virtual stations`, async () => {
      try {
        setStatus(
          await apiFetch<SimulatorStatus>("/api/v1/simulator", {
            method: "POST",
            body: {
              stations: Number(draft.stations),
              prefix: draft.prefix.trim(),
              connectors: Number(draft.connectors),
              drivers: draft.drivers,
              faults: draft.faults,
            },
          }),
        );
      } catch (error) {
        if (error instanceof ApiCallError && error.details.field === "drivers") setNeedsTags(true);
        throw error;
      }
    });
  };

  const stop = () =>
    void run("Virtual stations stopped", async () => {
      await apiFetch("/api/v1/simulator", { method: "DELETE" });
      setStatus(await apiFetch<SimulatorStatus>("/api/v1/simulator"));
    });

  const summary = status.summary;
  return (
    <div>
      {!status.running && (
        <form class="inline-form card" onSubmit={start} aria-label="Start virtual stations">
          <h2>Start virtual stations</h2>
          <label>
            Stations (1–{status.maxStations})
            <input
              name="stations"
              type="number"
              min={1}
              max={status.maxStations}
              required
              value={draft.stations}
              onInput={(e) => setDraft({ ...draft, stations: e.currentTarget.value })}
            />
          </label>
          <label>
            Id prefix
            <input
              name="prefix"
              required
              maxLength={20}
              pattern="[A-Za-z0-9._\-]+"
              value={draft.prefix}
              onInput={(e) => setDraft({ ...draft, prefix: e.currentTarget.value })}
            />
          </label>
          <label>
            Connectors each
            <select
              name="connectors"
              value={draft.connectors}
              onChange={(e) => setDraft({ ...draft, connectors: e.currentTarget.value })}
            >
              {["1", "2", "3", "4"].map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          </label>
          <label class="inline">
            <input
              type="checkbox"
              name="drivers"
              checked={draft.drivers}
              onChange={(e) => setDraft({ ...draft, drivers: e.currentTarget.checked })}
            />
            Drivers come by on their own
          </label>
          <label class="inline">
            <input
              type="checkbox"
              name="faults"
              checked={draft.faults}
              onChange={(e) => setDraft({ ...draft, faults: e.currentTarget.checked })}
            />
            Random faults and outages
          </label>
          <button type="submit" disabled={busy || status.maxStations === 0}>Start virtual stations</button>
        </form>
      )}
      <ResultLine result={result} />
      {needsTags && !status.running && (
        <p data-needs-tags>
          <a href="/id-tags">Add an Accepted id tag</a> for the drivers to present, then start them again.
        </p>
      )}
      {status.running && summary && (
        <section class="card" aria-labelledby="sim-title" data-simulator="running">
          <div class="card-head">
            <h2 id="sim-title">{summary.stations} virtual stations running</h2>
            <button type="button" class="danger" disabled={busy} onClick={stop}>Stop them</button>
          </div>
          <p class="muted small">
            Started by {status.startedBy}, connected to{" "}
            <code>{status.url}</code>. They answer every command as a real station would: try them from a
            station's page.
          </p>
          <p class="muted small" data-drivers>
            {status.driverIdTags
              ? `Drivers come by on their own, presenting ${status.driverIdTags.join(", ")}.`
              : "No drivers: sessions start when you send Remote start from a station's page."}
          </p>
          <dl class="facts">
            <div>
              <dt>Stations</dt>
              <dd data-states>
                {Object.entries(summary.states).map(([state, n]) =>
                  `${n} ${state}`
                ).join(", ") || "—"}
              </dd>
            </div>
            <div>
              <dt>Connectors</dt>
              <dd>
                {Object.entries(summary.connectors).map(([s, n]) =>
                  `${n} ${s}`
                ).join(", ") || "—"}
              </dd>
            </div>
            <div>
              <dt>Power now</dt>
              <dd>{summary.powerKw} kW</dd>
            </div>
            <div>
              <dt>Energy of running sessions</dt>
              <dd>{summary.energyDeliveredKwh} kWh</dd>
            </div>
          </dl>
          <p class="chips">
            {status.stations.map((id) => (
              <a key={id} href={`/stations/${encodeURIComponent(id)}`} data-virtual-station={id}>{id}</a>
            ))}
          </p>
        </section>
      )}
    </div>
  );
}

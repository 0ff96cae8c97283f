/**
 * A station's charging profiles as the Central System keeps them (accepted, or waiting for the station), the
 * site that steers it, and for operators: clear one, and ask the station for a connector's composite schedule,
 * charted (profiles it lost are sent again).
 */
import { useState } from "preact/hooks";
import { formatTime } from "../components/format.ts";
import { schedulePoints, SeriesChart } from "../components/series_chart.tsx";
import type { ChargingProfileList, StoredChargingProfile } from "../components/types.ts";
import { ApiCallError, apiFetch, useCommandAnnouncements } from "./client.tsx";

export interface ChargingProfilesPanelProps {
  chargePointId: string;
  profiles: ChargingProfileList;
  /** The station's connectors (0 included) to ask a composite schedule for: an OCPP 2.0.1 station's EVSEs. */
  connectorIds: number[];
  /** What the station's dialect calls them: a 1.6 station's connectors, a 2.0.1 station's EVSEs. */
  place: "Connector" | "EVSE";
  canCommand: boolean;
}

interface Composite {
  connectorId: number;
  durationS: number;
  lost: boolean;
  schedule: {
    status: string;
    scheduleStart?: string;
    chargingSchedule?: {
      chargingRateUnit: string;
      chargingSchedulePeriod: { startPeriod: number; limit: number }[];
    };
  };
  askedAt: number;
}

/** The first period's limit and unit, and how many more periods follow. */
function describeLimit(p: StoredChargingProfile): string {
  const schedule = p.profile.chargingSchedule;
  const [first, ...rest] = schedule.chargingSchedulePeriod;
  if (!first) return "—";
  return `${first.limit} ${schedule.chargingRateUnit}${rest.length ? ` (+${rest.length} periods)` : ""}`;
}

/** A purpose as the station's dialect names it (the record keeps 1.6's names). */
function purposeName(purpose: string, place: ChargingProfilesPanelProps["place"]): string {
  return place === "EVSE" && purpose === "ChargePointMaxProfile" ? "ChargingStationMaxProfile" : purpose;
}

export default function ChargingProfilesPanel(props: ChargingProfilesPanelProps) {
  const [list, setList] = useState(props.profiles);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [connectorId, setConnectorId] = useState(String(props.connectorIds.find((c) => c > 0) ?? 0));
  const [durationS, setDurationS] = useState("3600");
  const [composite, setComposite] = useState<Composite | null>(null);
  const base = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;

  const refresh = async () => {
    try {
      setList(await apiFetch<ChargingProfileList>(`${base}/charging-profiles`));
    } catch {
      // Shown as it was.
    }
  };
  useCommandAnnouncements(refresh);

  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    setMessage(null);
    try {
      setMessage({ ok: true, text: await fn() });
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiCallError ? error.message : String(error) });
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  const clear = (id: number) =>
    run(async () => {
      const res = await apiFetch<{ status: string }>(`${base}/charging-profiles/${id}`, { method: "DELETE" });
      return `Profile ${id}: ${res.status}`;
    });

  const ask = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      const res = await apiFetch<Omit<Composite, "connectorId" | "durationS" | "askedAt">>(
        `${base}/composite-schedule?connectorId=${connectorId}&durationS=${durationS}`,
      );
      setComposite({
        ...res,
        connectorId: Number(connectorId),
        durationS: Number(durationS),
        askedAt: Date.now(),
      });
      return res.lost
        ? "The station had lost profiles: they were sent again"
        : `Composite schedule: ${res.schedule.status}`;
    });
  };

  const schedule = composite?.schedule.chargingSchedule;
  const start = composite ? Date.parse(composite.schedule.scheduleStart ?? "") || composite.askedAt : 0;

  return (
    <section class="card" aria-labelledby="profiles-title">
      <div class="card-head">
        <h2 id="profiles-title">Charging profiles</h2>
        {list.siteId && (
          <span>
            load-managed by <a href={`/sites/${encodeURIComponent(list.siteId)}`}>{list.siteId}</a>
          </span>
        )}
      </div>
      {list.refusedReason && (
        <p class="warn">
          The station refuses charging profiles ({list.refusedReason}): its site counts it at its maximum.
        </p>
      )}
      {list.items.length === 0 ? <p class="muted">None stored.</p> : (
        <div class="scroll">
          <table class="table" aria-label="Charging profiles">
            <thead>
              <tr>
                <th scope="col">{props.place}</th>
                <th scope="col">Profile</th>
                <th scope="col">Limit</th>
                <th scope="col">State</th>
                <th scope="col">Set by, at (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((p) => (
                <tr key={p.chargingProfileId} data-profile={p.chargingProfileId}>
                  <td data-label={props.place}>{p.connectorId}</td>
                  <td data-label="Profile">
                    {purposeName(p.chargingProfilePurpose, props.place)}
                    {p.transactionId !== null && <span class="muted small">{` #${p.transactionId}`}</span>}
                    <br />
                    <span class="muted small">id {p.chargingProfileId}, stack level {p.stackLevel}</span>
                  </td>
                  <td data-label="Limit" class="num">{describeLimit(p)}</td>
                  {/* Clear sits under the state, not in a column of its own: the half-width card has no room. */}
                  <td data-label="State" data-state={p.state}>
                    {p.state}
                    {props.canCommand && (
                      <div class="cell-action">
                        <button
                          type="button"
                          class="danger"
                          disabled={busy}
                          onClick={() => clear(p.chargingProfileId)}
                        >
                          Clear
                        </button>
                      </div>
                    )}
                  </td>
                  <td data-label="Set by" class="small">
                    <span class="mono">{p.requestedBy}</span>
                    <br />
                    {formatTime(p.updatedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.canCommand && (
        <form class="inline-form" onSubmit={ask} aria-label="Composite schedule">
          <label>
            {props.place}
            <select
              name="connectorId"
              value={connectorId}
              onChange={(e) => setConnectorId(e.currentTarget.value)}
            >
              {props.connectorIds.map((c) => (
                <option key={c} value={String(c)}>{c === 0 ? "0 (station)" : c}</option>
              ))}
            </select>
          </label>
          <label>
            Over
            <select name="durationS" value={durationS} onChange={(e) => setDurationS(e.currentTarget.value)}>
              <option value="3600">1 hour</option>
              <option value="21600">6 hours</option>
              <option value="86400">24 hours</option>
            </select>
          </label>
          <button type="submit" disabled={busy}>Ask for the composite schedule</button>
        </form>
      )}
      <div role="status" aria-live="polite">
        {message && <p class={message.ok ? "ok-text" : "error-text"}>{message.text}</p>}
      </div>
      {composite && schedule && (
        <SeriesChart
          id="composite-schedule"
          title={`Composite schedule, ${
            props.place === "EVSE" ? "EVSE" : "connector"
          } ${composite.connectorId}`}
          unit={schedule.chargingRateUnit}
          series={[{
            name: "Limit",
            tone: "schedule",
            step: true,
            points: schedulePoints(start, schedule.chargingSchedulePeriod, composite.durationS),
          }]}
        />
      )}
    </section>
  );
}

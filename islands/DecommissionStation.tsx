/**
 * Takes a station out of service, or puts it back (admins only), through `DELETE /api/v1/charge-points/{id}`
 * and `POST …/{id}/recommission`: a decommissioned station is closed and refused whenever it connects, and
 * left out of the overview, alerts and fleet jobs; its history stays.
 */
import { useState } from "preact/hooks";
import { Time } from "../components/time.tsx";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch } from "./client.tsx";

export interface DecommissionStationProps {
  chargePointId: string;
  decommissionedAt: string | null;
}

export default function DecommissionStation(props: DecommissionStationProps) {
  const [since, setSince] = useState(props.decommissionedAt);
  const { busy, result, run } = useAction();
  const path = `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`;
  const call = (url: string, method: string) => async () => {
    setSince((await apiFetch<{ decommissionedAt: string | null }>(url, { method })).decommissionedAt);
  };

  const decommission = () => {
    const question =
      `Decommission ${props.chargePointId}? Its connection is closed and refused from now on; ` +
      "its history stays.";
    if (!confirm(question)) return;
    void run("Decommissioned: closed, and refused whenever it connects", call(path, "DELETE"));
  };
  const restore = () =>
    void run("Back in service: it may connect again", call(`${path}/recommission`, "POST"));

  return (
    <section
      class={`card ${since ? "tone-bad-box" : ""}`}
      aria-labelledby="service-title"
      data-service={since ? "decommissioned" : "in-service"}
    >
      <div class="card-head">
        <h2 id="service-title">Service</h2>
      </div>
      {since
        ? (
          <p>
            Decommissioned since{" "}
            <Time iso={since} />: refused whenever it connects, and left out of the overview, alerts and fleet
            jobs. Its transactions and history stay.
          </p>
        )
        : <p class="muted">In service.</p>}
      <p>
        {since
          ? (
            <button type="button" onClick={restore} disabled={busy}>
              Put back in service
            </button>
          )
          : (
            <button type="button" class="danger" onClick={decommission} disabled={busy}>
              Decommission
            </button>
          )}
      </p>
      <ResultLine result={result} />
    </section>
  );
}

/**
 * An OCPP 2.0.1 station's EVSEs (each connector's last status and the transaction open on the EVSE) and its
 * device model as its NotifyReports described it. Server-rendered, no state.
 */
import type { DeviceModelPage, StationDetail } from "./types.ts";

export function EvseCard(props: { evses: NonNullable<StationDetail["evses"]> }) {
  return (
    <section class="card" aria-labelledby="evses-title">
      <div class="card-head">
        <h2 id="evses-title">EVSEs</h2>
      </div>
      {props.evses.length === 0
        ? <p class="muted">No StatusNotification yet.</p>
        : (
          <table class="table" aria-label="EVSEs">
            <thead>
              <tr>
                <th scope="col">EVSE</th>
                <th scope="col">Connector</th>
                <th scope="col">Status</th>
                <th scope="col">Transaction</th>
              </tr>
            </thead>
            <tbody>
              {props.evses.map((e) => (
                <tr key={`${e.evseId}-${e.connectorId}`}>
                  <td data-label="EVSE">{e.evseId}</td>
                  <td data-label="Connector">{e.connectorId}</td>
                  <td data-label="Status">{e.status}</td>
                  <td data-label="Transaction" class="mono">{e.transactionId ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}

export function DeviceModelCard(props: { page: DeviceModelPage }) {
  const { items, nextCursor } = props.page;
  return (
    <section class="card" aria-labelledby="device-model-title">
      <div class="card-head">
        <h2 id="device-model-title">Device model</h2>
      </div>
      {items.length === 0
        ? <p class="muted">No report yet: send GetBaseReport (FullInventory).</p>
        : (
          <table class="table" aria-label="Device model">
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col">Variable</th>
                <th scope="col">Value</th>
                <th scope="col">Mutability</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => {
                const component = [
                  e.component.name,
                  e.component.instance,
                  e.component.evse ? `EVSE ${e.component.evse.id}` : undefined,
                  e.component.evse?.connectorId !== undefined
                    ? `connector ${e.component.evse.connectorId}`
                    : undefined,
                ].filter(Boolean).join(" · ");
                const variable = [e.variable.name, e.variable.instance].filter(Boolean).join(" · ");
                const actual = e.attributes.find((a) => (a["type"] ?? "Actual") === "Actual") ??
                  e.attributes[0];
                return (
                  <tr key={`${component}/${variable}`}>
                    <td data-label="Component">{component}</td>
                    <td data-label="Variable">{variable}</td>
                    <td data-label="Value" class="mono">{String(actual?.["value"] ?? "")}</td>
                    <td data-label="Mutability">{String(actual?.["mutability"] ?? "")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      {nextCursor && (
        <p class="muted">
          The first {items.length} variables; the API pages through the rest (<code>
            GET /api/v1/charge-points/…/device-model?after=…
          </code>).
        </p>
      )}
    </section>
  );
}

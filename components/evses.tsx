/**
 * An OCPP 2.0.1 station's EVSEs: each connector's last status and the transaction open on the EVSE (the
 * station's id, linked to its page in our ledger as a 1.6 connector's transaction is). An offline station's
 * connectors read Unknown, their last report beside, as a 1.6 station's connectors do. No state: the station
 * page keeps it live through islands/EvseTable.tsx.
 */
import { shownStatus } from "../overview/connector_status.ts";
import { StatusChip } from "./status_chip.tsx";
import type { StationDetail } from "./types.ts";

export function EvseCard(props: { evses: NonNullable<StationDetail["evses"]>; online: boolean }) {
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
                <tr
                  key={`${e.evseId}-${e.connectorId}`}
                  data-evse={e.evseId}
                  data-connector={e.connectorId}
                  data-status={shownStatus(e, props.online)}
                >
                  <td data-label="EVSE">{e.evseId}</td>
                  <td data-label="Connector">{e.connectorId}</td>
                  <td data-label="Status">
                    <StatusChip status={shownStatus(e, props.online)} />
                    {!props.online && (
                      <div class="small muted">
                        since the station went offline; it last reported {e.status}
                      </div>
                    )}
                    {props.online && e.assumed && (
                      <div class="small muted" data-assumed>
                        assumed from its transaction: the station has not reported this connector
                      </div>
                    )}
                  </td>
                  <td data-label="Transaction" class="mono">
                    {e.transactionId !== undefined && e.ledgerTransactionId !== undefined
                      ? (
                        <a
                          href={`/transactions/${e.ledgerTransactionId}`}
                          title={`#${e.ledgerTransactionId}`}
                        >
                          {e.transactionId}
                        </a>
                      )
                      : e.transactionId ?? ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </section>
  );
}

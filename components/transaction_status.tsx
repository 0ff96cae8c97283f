/**
 * How a transaction's status and id tag are shown: a badge per status with the meaning in its title, the
 * legend that explains them (superseded in particular), and the flag for a session whose tag was not
 * Accepted when it started.
 */
import type { Transaction } from "./types.ts";

export const STATUS_MEANING: Record<Transaction["status"], string> = {
  active: "Started and not stopped yet.",
  finished: "A StopTransaction completed it.",
  superseded: "The station started a newer transaction on the same connector without stopping this one " +
    "(it missed or lost the stop). It is closed and kept for review; if its StopTransaction still " +
    "arrives, it finishes with that stop's meter value.",
};

const TONE: Record<Transaction["status"], string> = { active: "info", finished: "ok", superseded: "warn" };

export function TransactionStatus(props: { tx: Pick<Transaction, "status" | "supersededBy"> }) {
  const { status, supersededBy } = props.tx;
  return (
    <span class={`badge ${TONE[status]}`} data-tx-status={status} title={STATUS_MEANING[status]}>
      {status}
      {status === "superseded" && supersededBy !== null && <span class="small">{` by #${supersededBy}`}
      </span>}
    </span>
  );
}

/** A red flag for a session started with a Blocked, Expired, Invalid or ConcurrentTx tag. */
export function BadTagFlag(props: { status: Transaction["startIdTagStatus"] }) {
  if (props.status === "Accepted") return null;
  return (
    <span
      class="badge bad"
      data-bad-tag={props.status}
      title={`The id tag was ${props.status} when the session started: the station charged anyway`}
    >
      tag {props.status}
    </span>
  );
}

export function StatusLegend() {
  return (
    <details class="legend">
      <summary>What the statuses mean</summary>
      <dl>
        {(Object.keys(STATUS_MEANING) as Transaction["status"][]).map((s) => (
          <div key={s}>
            <dt>{s}</dt>
            <dd>{STATUS_MEANING[s]}</dd>
          </div>
        ))}
        <div>
          <dt>tag Blocked / Expired / Invalid / ConcurrentTx</dt>
          <dd>
            The session's id tag was not Accepted when it started; the station may charge anyway (OCPP 1.6
            keeps such transactions), so check who charged.
          </dd>
        </div>
      </dl>
    </details>
  );
}

/** Why a transaction's meter readings cannot be a real meter's, for an operator (`model/energy_plausibility.ts`). */
export function implausibleEnergyText(implausible: NonNullable<Transaction["energyImplausible"]>): string {
  if (implausible.reason === "negative_reading") return "a meter reading below 0";
  if (implausible.reason === "meter_backwards") {
    return "a reading below the start's (meter replaced?)";
  }
  const max = implausible.maxWh === undefined ? "" : ` (at most ${Math.round(implausible.maxWh / 1000)} kWh)`;
  return `more energy than any connector delivers in its time${max}`;
}

/** A transaction whose readings are implausible: its energy is unknown and left out of every total. */
export function ImplausibleEnergyFlag(props: { implausible: Transaction["energyImplausible"] }) {
  if (!props.implausible) return null;
  return (
    <span
      class="badge bad"
      data-implausible-energy={props.implausible.reason}
      title={`Implausible meter readings: ${
        implausibleEnergyText(props.implausible)
      }. Energy unknown, left out of totals; the readings are kept as sent.`}
    >
      implausible meter
    </span>
  );
}

/**
 * What the flags of one transaction tell an operator: that an admin closed it by hand (who, why, the estimate
 * given), or that it was still open when its station rebooted and reported its connector free (a session the
 * station forgot: an admin may close it by hand), or that its meter readings cannot be a real meter's.
 */
import { Time } from "./time.tsx";
import { implausibleEnergyText } from "./transaction_status.tsx";
import { IMPLAUSIBLE_ENERGY_REASONS } from "../model/energy_plausibility.ts";
import type { TransactionFlag } from "./types.ts";

export function TransactionFlags(props: { flags: readonly TransactionFlag[] }) {
  if (props.flags.length === 0) return null;
  return (
    <section class="card" aria-labelledby="flags-title" data-flags={props.flags.length}>
      <div class="card-head">
        <h2 id="flags-title">Flags</h2>
      </div>
      <ul class="flags">
        {props.flags.map((flag) => (
          <li key={`${flag.kind} ${flag.at}`} data-flag={flag.kind}>
            <FlagText flag={flag} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function FlagText(props: { flag: TransactionFlag }) {
  const { flag } = props;
  const d = flag.details;
  const text = (key: string) => (typeof d[key] === "string" ? d[key] as string : null);
  if (flag.kind === "closed_by_operator") {
    return (
      <span>
        <span class="badge warn">closed by hand</span> <Time iso={flag.at} /> by{" "}
        <strong>{text("by") ?? "an admin"}</strong>: “{text("reason") ?? ""}”. Estimate given: meter{" "}
        {String(d["meterStop"] ?? "—")} Wh at <Time iso={text("timestamp")} />.{" "}
        <span class="muted">A stop the station sends later replaces the estimate.</span>
      </span>
    );
  }
  if (flag.kind === "implausible_energy") {
    const reason = IMPLAUSIBLE_ENERGY_REASONS.find((r) => r === d["reason"]);
    return (
      <span>
        <span class="badge bad">implausible meter</span> the station reported meter readings{" "}
        {String(d["meterStart"] ?? "—")} Wh to {String(d["meterStop"] ?? "—")} Wh: {reason
          ? implausibleEnergyText({
            reason,
            ...(typeof d["maxWh"] === "number" ? { maxWh: d["maxWh"] as number } : {}),
          })
          : "not a real meter's"}.{" "}
        <span class="muted">
          Its energy is unknown and left out of every total; the readings are kept as sent. Check the
          station's meter.
        </span>
      </span>
    );
  }
  if (flag.kind === "reservation_not_held") {
    return (
      <span>
        <span class="badge warn">another's reservation</span> the start named reservation{" "}
        {String(d["reservationId"] ?? "—")}, held for <strong>{text("reservedFor") ?? "another tag"}</strong>
        {text("reservedParentIdTag") ? ` (or a tag of ${text("reservedParentIdTag")})` : ""}.{" "}
        <span class="muted">The reservation was not used: it stays active for its holder.</span>
      </span>
    );
  }
  return (
    <span>
      <span class="badge bad">open after a reboot</span> the station booted at <Time iso={text("bootedAt")} />
      {" "}
      while this session ran, and reported connector {flag.connectorId} {text("status") ?? "Available"} at
      {" "}
      <Time iso={text("statusAt")} />: it has likely forgotten the session.{" "}
      <span class="muted">If its stop never comes, an admin can close it by hand.</span>
    </span>
  );
}

/**
 * A station's registration as its header shows it: Accepted plainly; otherwise what that means for the
 * station (OCPP 1.6 §4.2.1: until Accepted it may only send BootNotification, and we refuse the rest), in the
 * warning colour, with Accept for admins (the handshakes page's, `islands/AcceptStation.tsx`).
 */
import AcceptStation from "./AcceptStation.tsx";

export interface RegistrationStateProps {
  chargePointId: string;
  registrationStatus: string | null;
  /** Admins: Accept is offered. */
  canAccept: boolean;
  /** After an accept: the station's detail is read again. */
  onAccepted: () => void;
}

const MEANING: Record<string, string> = {
  Rejected: "refused at its boot: it boots again after the interval it was given, and its other messages " +
    "are refused until it is accepted",
  Pending:
    "held at its boot: it may be asked for its configuration, and its own messages are refused until " +
    "it is accepted",
};

export function RegistrationState(props: RegistrationStateProps) {
  const status = props.registrationStatus;
  if (status === "Accepted") return <dd data-registration="Accepted">Accepted</dd>;
  const label = status ?? "unknown";
  const meaning = status === null
    ? "it has not booted yet: its messages are refused until it is accepted"
    : MEANING[status] ?? "its messages are refused until it is accepted";
  return (
    <dd data-registration={label}>
      <span class="warn">{label}</span>
      <div class="small muted">{meaning}</div>
      {props.canAccept && (
        <AcceptStation
          chargePointId={props.chargePointId}
          registrationStatus={props.registrationStatus}
          onAccepted={props.onAccepted}
        />
      )}
    </dd>
  );
}

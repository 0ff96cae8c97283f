/** Accepts a Pending (or refused, or unknown) station through the API's registration endpoint. */
import { useState } from "preact/hooks";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface AcceptStationProps {
  chargePointId: string;
  registrationStatus: string | null;
  /** Embedded in another island (a station's header): told once accepted, to read the station again. */
  onAccepted?: () => void;
}

export default function AcceptStation(props: AcceptStationProps) {
  const [status, setStatus] = useState(props.registrationStatus);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function accept() {
    setBusy(true);
    setMessage(null);
    try {
      const answer = await apiFetch<{ registrationStatus: string }>(
        `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}`,
        { method: "PUT", body: { registrationStatus: "Accepted" } },
      );
      setStatus(answer.registrationStatus);
      setMessage({ ok: true, text: "Accepted: its next BootNotification is let in" });
      props.onAccepted?.();
    } catch (error) {
      setMessage({ ok: false, text: error instanceof ApiCallError ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <span class="accept" data-accept={props.chargePointId}>
      {status === "Accepted" ? <span class="chip tone-ok">Accepted</span> : (
        <button
          type="button"
          onClick={() => void accept()}
          disabled={busy}
          aria-label={`Accept ${props.chargePointId}`}
        >
          Accept
        </button>
      )}
      <span role="status" aria-live="polite">
        {message && <span class={`small ${message.ok ? "ok-text" : "error-text"}`}>{message.text}</span>}
      </span>
    </span>
  );
}

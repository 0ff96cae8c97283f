/**
 * A station's firmware update and diagnostics upload as its header shows them: the last status reported, or
 * "Idle" when there is none (before the first, or once an operator dismissed a failure: OCPP's word for no
 * update in progress, not a blank that reads as unknown). A failed update stands out, with the overview's
 * Dismiss for operators (`POST …/firmware-failure/dismiss`); the station's file status history keeps it.
 */
import { useState } from "preact/hooks";
import { isFirmwareFailure } from "../model/firmware_failure.ts";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface FirmwareStateProps {
  chargePointId: string;
  firmwareStatus: string | null;
  diagnosticsStatus: string | null;
  canCommand: boolean;
  /** After a dismissal: the station's detail is read again. */
  onDismissed: () => void;
}

export function FirmwareState(props: FirmwareStateProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const firmware = props.firmwareStatus ?? "Idle";
  const failed = props.firmwareStatus !== null && isFirmwareFailure(props.firmwareStatus);

  async function dismiss(status: string) {
    setBusy(true);
    setError(null);
    try {
      await apiFetch(
        `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}/firmware-failure/dismiss`,
        {
          method: "POST",
          body: { status },
        },
      );
      props.onDismissed();
    } catch (e) {
      setError(e instanceof ApiCallError ? e.message : String(e));
      props.onDismissed();
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <div>
        <dt>Firmware update</dt>
        <dd
          data-firmware-status={firmware}
          {...(failed ? { "data-firmware-failed": "", class: "error-text" } : {})}
        >
          {firmware}
          {failed && props.canCommand && (
            <>
              {" "}
              <button
                type="button"
                class="link"
                disabled={busy}
                aria-label={`Dismiss ${firmware} of ${props.chargePointId}`}
                title="The failure is seen: it no longer needs attention until the station's next failure"
                onClick={() => void dismiss(firmware)}
              >
                Dismiss
              </button>
            </>
          )}
          {error && <div class="small" role="alert">{error}</div>}
        </dd>
      </div>
      <div>
        <dt>Diagnostics upload</dt>
        <dd data-diagnostics-status={props.diagnosticsStatus ?? "Idle"}>
          {props.diagnosticsStatus ?? "Idle"}
        </dd>
      </div>
    </>
  );
}

/**
 * The station page's "Clear" of its protocol errors notice (operators and admins): once the station is fixed,
 * its errors no longer need attention (`POST …/protocol-errors/clear`, naming the last one the operator saw:
 * one sent since is not cleared and is said). Cleared, the notice says so until the page is reloaded.
 */
import { useState } from "preact/hooks";
import { ResultLine, useAction } from "./admin_kit.tsx";
import { apiFetch } from "./client.tsx";

export interface ClearProtocolErrorsProps {
  chargePointId: string;
  /** The last protocol error the page shows (`protocolErrors.lastAt`). */
  lastAt: string;
}

export default function ClearProtocolErrors(props: ClearProtocolErrorsProps) {
  const { busy, result, run } = useAction();
  const [cleared, setCleared] = useState(false);
  const clear = () =>
    void run("Cleared: the station no longer needs attention until it sends a bad frame again.", async () => {
      await apiFetch(
        `/api/v1/charge-points/${encodeURIComponent(props.chargePointId)}/protocol-errors/clear`,
        {
          method: "POST",
          body: { lastAt: props.lastAt },
        },
      );
      setCleared(true);
    });
  return (
    <div class="action" data-clear-protocol-errors>
      {!cleared && (
        <button
          type="button"
          disabled={busy}
          title="The station is fixed: its protocol errors no longer need attention until its next bad frame"
          onClick={clear}
        >
          Clear protocol errors
        </button>
      )}
      <ResultLine result={result} />
    </div>
  );
}

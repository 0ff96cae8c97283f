/**
 * What the admin islands share: run an API call with a busy flag and a result line, the API's message on
 * failure.
 */
import { useState } from "preact/hooks";
import { ApiCallError } from "./client.tsx";

export interface ActionResult {
  ok: boolean;
  text: string;
}

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult | null>(null);
  async function run(label: string, fn: () => Promise<void>): Promise<boolean> {
    setBusy(true);
    setResult(null);
    try {
      await fn();
      setResult({ ok: true, text: label });
      return true;
    } catch (error) {
      setResult({
        ok: false,
        text: error instanceof ApiCallError || error instanceof Error ? error.message : String(error),
      });
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, result, run };
}

export function ResultLine(props: { result: ActionResult | null }) {
  return (
    <p
      role="status"
      aria-live="polite"
      class="result"
      data-result={props.result?.ok ? "ok" : props.result ? "error" : ""}
    >
      {props.result && <span class={props.result.ok ? "ok-text" : "error-text"}>{props.result.text}</span>}
    </p>
  );
}

/**
 * What the admin islands share: run an API call with a busy flag and a result line (the API's message on
 * failure), and the role picker of their forms.
 */
import { useState } from "preact/hooks";
import type { Role } from "../components/types.ts";
import { ApiCallError } from "./client.tsx";

export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

/** A labelled role picker; `hint` adds what a role may do to its option. */
export function RoleSelect(
  props: { value: Role; onChange: (role: Role) => void; hint?: (role: Role) => string },
) {
  return (
    <label>
      Role
      <select name="role" value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Role)}>
        {ROLES.map((r) => <option key={r} value={r}>{props.hint ? `${r} (${props.hint(r)})` : r}</option>)}
      </select>
    </label>
  );
}

export interface ActionResult {
  ok: boolean;
  text: string;
}

export function useAction() {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ActionResult | null>(null);
  /** `fn` may return what to say instead of `label` (an outcome it learned). */
  async function run(label: string, fn: () => Promise<void | string>): Promise<boolean> {
    setBusy(true);
    setResult(null);
    try {
      const said = await fn();
      setResult({ ok: true, text: said ?? label });
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

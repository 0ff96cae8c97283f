/** Logs in through the API (`POST /api/v1/auth/login` sets the session cookie), then goes where it was asked. */
import { useState } from "preact/hooks";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface LoginFormProps {
  /** A same-site path to go to after logging in. */
  next: string;
  /** The login form's token (its cookie's twin), for the post without JavaScript. */
  csrf: string;
  /** From a form post without JavaScript that failed. */
  error?: string;
}

export default function LoginForm(props: LoginFormProps) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(props.error ?? null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await apiFetch("/api/v1/auth/login", { method: "POST", body: { username, password } });
      location.assign(props.next);
    } catch (err) {
      setError(err instanceof ApiCallError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <form class="card login" onSubmit={submit} method="post" action="/login">
      <h1>Sign in</h1>
      <input type="hidden" name="next" value={props.next} />
      <input type="hidden" name="csrf" value={props.csrf} />
      <label>
        Username
        <input
          name="username"
          autoComplete="username"
          required
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <div role="alert">{error && <p class="error-text">{error}</p>}</div>
      <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
    </form>
  );
}

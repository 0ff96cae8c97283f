/**
 * The first run: the one-time setup token from the server's log, and the first admin's name and password
 * (twice). Posts JSON to `POST /api/v1/setup`, which also logs the new admin in; without JavaScript the form
 * posts to `/setup`.
 */
import { useState } from "preact/hooks";
import { ApiCallError, apiFetch } from "./client.tsx";

export interface SetupFormProps {
  /** From a form post without JavaScript that failed. */
  error?: string;
  /** What was typed before that failure (never the password). */
  username?: string;
}

const MIN_PASSWORD = 8;

export default function SetupForm(props: SetupFormProps) {
  const [setupToken, setSetupToken] = useState("");
  const [username, setUsername] = useState(props.username ?? "admin");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(props.error ?? null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    if (password.length < MIN_PASSWORD) {
      return setError(`The password needs at least ${MIN_PASSWORD} characters`);
    }
    if (password !== repeat) return setError("The two passwords differ");
    setBusy(true);
    setError(null);
    try {
      await apiFetch("/api/v1/setup", {
        method: "POST",
        body: { setupToken: setupToken.trim(), username: username.trim(), password },
      });
      location.assign("/");
    } catch (err) {
      setError(err instanceof ApiCallError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <form class="card login setup" onSubmit={submit} method="post" action="/setup">
      <h1>Welcome: create the first admin</h1>
      <p class="muted">
        This server has no users yet. At start-up it printed a one-time <strong>setup token</strong>{" "}
        in its log (the line with{" "}
        <code>setupToken</code>); only someone who can read that log can create the first admin.
      </p>
      <label>
        Setup token
        <input
          name="setupToken"
          required
          autoComplete="off"
          spellcheck={false}
          class="mono"
          placeholder="setup_…"
          value={setupToken}
          onInput={(e) => setSetupToken(e.currentTarget.value)}
        />
      </label>
      <label>
        Admin username
        <input
          name="username"
          autoComplete="username"
          required
          maxLength={64}
          pattern="[A-Za-z0-9._@\-]+"
          title="Letters, digits and . _ @ -"
          value={username}
          onInput={(e) => setUsername(e.currentTarget.value)}
        />
      </label>
      <label>
        Password <span class="muted small">(at least {MIN_PASSWORD} characters)</span>
        <input
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
      </label>
      <label>
        Password again
        <input
          name="repeat"
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onInput={(e) => setRepeat(e.currentTarget.value)}
        />
      </label>
      <div role="alert">{error && <p class="error-text">{error}</p>}</div>
      <button type="submit" disabled={busy}>{busy ? "Creating…" : "Create admin and sign in"}</button>
      <p class="muted small">
        On the server's command line instead: <code>deno task users add admin --role admin</code>.
      </p>
    </form>
  );
}

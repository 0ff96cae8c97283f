/**
 * Whether the page found the operator's session gone (an event stream refused, `/api/v1/auth/me` answered
 * 401). The page is not left: what it shows stays readable, marked as no longer updating, with a link to
 * sign in again (`LiveDot`).
 */
import { useEffect, useState } from "preact/hooks";

let signedOut = false;
const watchers = new Set<(signedOut: boolean) => void>();

export function setSignedOut(value: boolean): void {
  if (signedOut === value) return;
  signedOut = value;
  for (const w of watchers) w(value);
}

/** Whether the session still works: false on 401 only (a server restarting or unreachable may still take it). */
export async function sessionStillValid(): Promise<boolean> {
  try {
    const res = await fetch("/api/v1/auth/me", { credentials: "same-origin" });
    await res.body?.cancel();
    return res.status !== 401;
  } catch {
    return true;
  }
}

export function useSignedOut(): boolean {
  const [value, setValue] = useState(signedOut);
  useEffect(() => {
    watchers.add(setValue);
    setValue(signedOut);
    return () => void watchers.delete(setValue);
  }, []);
  return value;
}

/** The login page, coming back here. */
export function signInAgainHref(): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * A password check costs 600,000 PBKDF2 rounds (about 300 ms of a core), an unknown username as much as a
 * known one. The back-off counts an address per username, so an attacker who never repeats a username is never
 * held back by it: from one address, 150 logins at once kept both cores busy for 20 s and the real admin's
 * login, from another address, waited 21 s. Real HTTP from two loopback addresses (127.0.0.6 the attacker,
 * 127.0.0.1 the operator).
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN, startApiServer } from "./helpers/api.ts";

const ATTACKER = "127.0.0.6";
const OPERATOR = "127.0.0.1";

Deno.test("logins with ever new usernames from one address get 2 password checks at a time, the rest 429 uncounted", async () => {
  const server = await startApiServer({ AUTH_FREE_FAILURES: "3" });
  const attacker = Deno.createHttpClient({ localAddress: ATTACKER });
  const operator = Deno.createHttpClient({ localAddress: OPERATOR });
  const login = async (client: Deno.HttpClient, username: string, password: string) => {
    const res = await fetch(`${server.url}/api/v1/auth/login`, {
      client,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json() };
  };
  try {
    const flood = Array.from({ length: 40 }, (_, i) => login(attacker, `guess-${i}`, "wrong-password-1"));
    // While the flood is being checked, the operator signs in from elsewhere.
    const started = performance.now();
    const own = await login(operator, ADMIN.username, ADMIN.password);
    const ownMs = performance.now() - started;
    const answers = await Promise.all(flood);
    assertEquals(own.status, 200);
    const checked = answers.filter((a) => a.status === 401).length;
    const busy = answers.filter((a) => a.status === 429);
    // Two at a time: a few more get their turn while the last of the 40 arrive, never most of them.
    assert(checked >= 1 && checked <= 6, `${checked} of 40 passwords checked (operator waited ${ownMs} ms)`);
    assertEquals(checked + busy.length, 40);
    assertEquals(busy[0]?.retryAfter, "1");
    assertEquals(busy[0]?.body.error, "rate_limited");
    // Refused before the check, they are not guesses: 10 wrong passwords for root at once spend at most the
    // 3 free failures only if all were checked; refused ones count for nothing, so the right one still works.
    const wrong = await Promise.all(
      Array.from({ length: 10 }, (_, i) => login(attacker, ADMIN.username, `wrong-password-${i}`)),
    );
    assert(wrong.filter((a) => a.status === 401).length <= 3, JSON.stringify(wrong.map((a) => a.status)));
    assertEquals((await login(attacker, ADMIN.username, ADMIN.password)).status, 200);
  } finally {
    attacker.close();
    operator.close();
    await server.close();
  }
});

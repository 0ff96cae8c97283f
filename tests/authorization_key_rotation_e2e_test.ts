/**
 * Rotating a connected station's AuthorizationKey (Security Whitepaper A01), as an operator does it: a key the
 * station accepts in ChangeConfiguration is stored, so its reconnect with the new key passes; the generate
 * endpoint sends the key to a connected station first and stores it only when accepted. Before, both ways
 * locked the station out (WebSocket QA, session 30): the generate endpoint closed the station before the key
 * could reach it, and an accepted ChangeConfiguration never changed the stored hash.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { attempt, basic, connectSecureStation } from "./helpers/secure_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";

const KEY = "s3cret-Authorization-Key-0001";
const NEW_KEY = "rotated-Authorization-Key-0002";

/** Whether a handshake with `password` opens (closed again at once). */
async function opens(url: string, id: string, password: string): Promise<number> {
  const a = await attempt(url, { headers: basic(id, password) });
  if (!a.open) return a.status;
  await a.close();
  return 101;
}

Deno.test("a key the station accepted in ChangeConfiguration is the one it reconnects with; a refused one changes nothing", async () => {
  const server = await startApiServer();
  const url = `${server.wsUrl}/CP-ROT`;
  try {
    await server.json("/api/v1/station-security/CP-ROT", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const station = await connectSecureStation(server.wsUrl, "CP-ROT", { password: KEY });
    let answer = "Rejected";
    station.handle("ChangeConfiguration", () => ({ status: answer }));
    try {
      const change = (value: string) =>
        server.json("/api/v1/charge-points/CP-ROT/ChangeConfiguration", {
          method: "POST",
          body: { key: "AuthorizationKey", value },
        });
      // An operator may not: the key the station accepts becomes the one it is admitted with.
      const byOperator = await server.json("/api/v1/charge-points/CP-ROT/ChangeConfiguration", {
        method: "POST",
        as: "operator",
        body: { key: "AuthorizationKey", value: NEW_KEY },
      });
      assertEquals(byOperator.status, 403);
      assertEquals((await change(NEW_KEY)).body.status, "Rejected");
      assertEquals(await opens(url, "CP-ROT", NEW_KEY), 401, "a refused key is not stored");
      answer = "Accepted";
      assertEquals((await change(NEW_KEY)).body.status, "Accepted");
    } finally {
      await closeStation(station);
    }
    assertEquals(await opens(url, "CP-ROT", NEW_KEY), 101);
    assertEquals(await opens(url, "CP-ROT", KEY), 401);
    const events = await server.json("/api/v1/security-events?chargePointId=CP-ROT", { as: "operator" });
    assert(
      events.body.items.some((e: { reason: string }) => e.reason.includes("accepted by the station")),
      JSON.stringify(events.body.items),
    );
  } finally {
    await server.close();
  }
});

Deno.test("a generated key goes to the connected station first and is stored only when it accepts", async () => {
  const server = await startApiServer();
  const url = `${server.wsUrl}/CP-GEN`;
  try {
    await server.json("/api/v1/station-security/CP-GEN", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    const station = await connectSecureStation(server.wsUrl, "CP-GEN", { password: KEY });
    let answer = "Rejected";
    const sent: string[] = [];
    station.handle("ChangeConfiguration", ({ params }: { params: { key: string; value: string } }) => {
      sent.push(params.value);
      return { status: answer };
    });
    let generated: string;
    try {
      const refused = await server.json("/api/v1/station-security/CP-GEN/authorization-key", {
        method: "POST",
      });
      assertEquals([refused.status, refused.body.error], [409, "command_refused"]);
      assertEquals(JSON.stringify(refused.body).includes(sent[0]!), false, "the key is never shown back");
      answer = "Accepted";
      const accepted = await server.json("/api/v1/station-security/CP-GEN/authorization-key", {
        method: "POST",
      });
      assertEquals([accepted.status, accepted.body.delivered], [200, true]);
      generated = accepted.body.authorizationKey;
      assertEquals(sent[1], generated);
      // Not closed by us: the station reconnects with the key when it is ready.
      assertEquals(
        (await station.call("Heartbeat", {}) as { currentTime?: string }).currentTime !== undefined,
        true,
      );
    } finally {
      await closeStation(station);
    }
    assertEquals(await opens(url, "CP-GEN", sent[0]!), 401, "the refused key was never stored");
    assertEquals(await opens(url, "CP-GEN", KEY), 401);
    assertEquals(await opens(url, "CP-GEN", generated), 101);
    // A station that is not connected gets the key stored at once, as before.
    await eventually(async () =>
      (await server.json("/api/v1/charge-points/CP-GEN", { as: "viewer" })).body.online === false || null
    );
    const offline = await server.json("/api/v1/station-security/CP-GEN/authorization-key", {
      method: "POST",
    });
    assertEquals([offline.status, offline.body.delivered], [200, false]);
    assertEquals(await opens(url, "CP-GEN", offline.body.authorizationKey), 101);
  } finally {
    await server.close();
  }
});

/** A connected station at profile 1 whose ChangeConfiguration runs `onKey` (see the tests below). */
async function stationWithKey(
  server: Awaited<ReturnType<typeof startApiServer>>,
  id: string,
  onKey: (value: string) => Promise<{ status: string }> | { status: string },
) {
  await server.json(`/api/v1/station-security/${id}`, {
    method: "PATCH",
    body: { securityProfile: 1, authorizationKey: KEY },
  });
  const station = await connectSecureStation(server.wsUrl, id, { password: KEY });
  station.handle("ChangeConfiguration", ({ params }: { params: { value: string } }) => onKey(params.value));
  return station;
}

Deno.test("a station that takes a generated key and reconnects before answering is let in with it", async () => {
  const server = await startApiServer();
  const url = `${server.wsUrl}/CP-FAST`;
  try {
    let reconnected: Awaited<ReturnType<typeof attempt>> | undefined;
    const station = await stationWithKey(server, "CP-FAST", async (value) => {
      // The new connection replaces this one: the answer below never reaches the server.
      reconnected = await attempt(url, { headers: basic("CP-FAST", value) });
      return { status: "Accepted" };
    });
    try {
      const answer = await server.api("/api/v1/station-security/CP-FAST/authorization-key", {
        method: "POST",
      });
      assertEquals(answer.headers.get("cache-control"), "no-store", "it holds the key");
      const res = { status: answer.status, body: await answer.json() };
      assertEquals([res.status, res.body.error, res.body.details.pending], [504, "station_timeout", true]);
      assert(reconnected?.open, "the handshake with the key it was sent passed");
      await reconnected.close();
      const key: string = res.body.details.authorizationKey;
      const settings = await server.json("/api/v1/station-security/CP-FAST");
      assertEquals(
        [settings.body.hasAuthorizationKey, settings.body.pendingAuthorizationKeys.length],
        [true, 0],
        "the handshake made it the key",
      );
      assertEquals(await opens(url, "CP-FAST", key), 101);
      assertEquals(await opens(url, "CP-FAST", KEY), 401, "the old key is over");
      const events = await server.json("/api/v1/security-events?chargePointId=CP-FAST", { as: "operator" });
      assert(
        events.body.items.some((e: { principal: string; reason: string }) =>
          e.principal === "station" && e.reason.includes("connected with the key it was sent")
        ),
        JSON.stringify(events.body.items),
      );
    } finally {
      await closeStation(station);
    }
  } finally {
    await server.close();
  }
});

Deno.test("a generated key whose answer never comes stays pending beside the old key, and is not lost", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "1000" });
  const url = `${server.wsUrl}/CP-SLOW`;
  try {
    const station = await stationWithKey(server, "CP-SLOW", () => new Promise(() => {}));
    let key: string;
    try {
      const res = await server.json("/api/v1/station-security/CP-SLOW/authorization-key", { method: "POST" });
      assertEquals([res.status, res.body.details.pending], [504, true]);
      key = res.body.details.authorizationKey;
      assertEquals(key.length, 40);
      const settings = await server.json("/api/v1/station-security/CP-SLOW");
      assertEquals([settings.body.hasAuthorizationKey, settings.body.pendingAuthorizationKeys.length], [
        true,
        1,
      ]);
    } finally {
      await closeStation(station);
    }
    // Whichever key the station holds now, it gets in; the first connection with the new one settles it.
    assertEquals(await opens(url, "CP-SLOW", KEY), 101);
    assertEquals(await opens(url, "CP-SLOW", "not-the-key-at-all-0000"), 401);
    assertEquals(await opens(url, "CP-SLOW", key), 101);
    assertEquals(await opens(url, "CP-SLOW", KEY), 401);
    assertEquals(
      (await server.json("/api/v1/station-security/CP-SLOW")).body.pendingAuthorizationKeys,
      [],
    );
    // A key set by hand ends a pending one.
    const again = await stationWithKey(server, "CP-SLOW", () => new Promise(() => {}));
    try {
      const res = await server.json("/api/v1/station-security/CP-SLOW/authorization-key", { method: "POST" });
      assertEquals(res.status, 504);
      key = res.body.details.authorizationKey;
    } finally {
      await closeStation(again);
    }
    await server.json("/api/v1/station-security/CP-SLOW", {
      method: "PATCH",
      body: { authorizationKey: NEW_KEY },
    });
    assertEquals(await opens(url, "CP-SLOW", key), 401);
    assertEquals(await opens(url, "CP-SLOW", NEW_KEY), 101);
  } finally {
    await server.close();
  }
});

Deno.test("a key sent with ChangeConfiguration is pending until answered: taken at once or never answered, no lockout", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "1000" });
  const send = (id: string) =>
    server.json(`/api/v1/charge-points/${id}/ChangeConfiguration`, {
      method: "POST",
      body: { key: "AuthorizationKey", value: NEW_KEY },
    });
  try {
    // Takes it and reconnects with it before answering: the old connection (and its answer) is gone.
    const fastUrl = `${server.wsUrl}/CP-CMD-FAST`;
    let reconnected: Awaited<ReturnType<typeof attempt>> | undefined;
    const fast = await stationWithKey(server, "CP-CMD-FAST", async (value) => {
      reconnected = await attempt(fastUrl, { headers: basic("CP-CMD-FAST", value) });
      return { status: "Accepted" };
    });
    try {
      assertEquals((await send("CP-CMD-FAST")).status, 504);
      assert(reconnected?.open, "the handshake with the key it was sent passed");
      await reconnected.close();
    } finally {
      await closeStation(fast);
    }
    assertEquals(await opens(fastUrl, "CP-CMD-FAST", NEW_KEY), 101);
    assertEquals(await opens(fastUrl, "CP-CMD-FAST", KEY), 401);

    // Never answers: either key gets in until the new one is used.
    const slowUrl = `${server.wsUrl}/CP-CMD-SLOW`;
    const slow = await stationWithKey(server, "CP-CMD-SLOW", () => new Promise(() => {}));
    try {
      assertEquals((await send("CP-CMD-SLOW")).status, 504);
    } finally {
      await closeStation(slow);
    }
    assertEquals(
      (await server.json("/api/v1/station-security/CP-CMD-SLOW")).body.pendingAuthorizationKeys.length,
      1,
    );
    assertEquals(await opens(slowUrl, "CP-CMD-SLOW", KEY), 101);
    assertEquals(await opens(slowUrl, "CP-CMD-SLOW", NEW_KEY), 101);
    assertEquals(await opens(slowUrl, "CP-CMD-SLOW", KEY), 401);
  } finally {
    await server.close();
  }
});

Deno.test("unanswered keys stay pending side by side: a later refused or unsent one drops no earlier one", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "800" });
  const url = `${server.wsUrl}/CP-MANY`;
  const generate = () =>
    server.json("/api/v1/station-security/CP-MANY/authorization-key", { method: "POST" });
  try {
    let held = KEY;
    let answer: "none" | "Rejected" = "none";
    const station = await stationWithKey(server, "CP-MANY", (value) => {
      if (answer === "Rejected") return { status: "Rejected" };
      held = value; // Takes it; the answer never comes.
      return new Promise(() => {});
    });
    let first: string, second: string;
    try {
      first = (await generate()).body.details.authorizationKey;
      second = (await generate()).body.details.authorizationKey;
      assertEquals(held, second);
      answer = "Rejected";
      assertEquals((await generate()).status, 409);
    } finally {
      await closeStation(station);
    }
    // Not connected (once the server saw it go): nothing is sent, nothing pended, nothing forgotten.
    await eventually(async () =>
      (await server.json("/api/v1/charge-points/CP-MANY", { as: "viewer" })).body.online === false || null
    );
    const unsent = await server.json("/api/v1/charge-points/CP-MANY/ChangeConfiguration", {
      method: "POST",
      body: { key: "AuthorizationKey", value: NEW_KEY },
    });
    assertEquals([unsent.status, unsent.body.error], [409, "not_connected"]);
    const nowhere = await server.json("/api/v1/charge-points/CP-NEVER-SEEN/ChangeConfiguration", {
      method: "POST",
      body: { key: "AuthorizationKey", value: NEW_KEY },
    });
    assertEquals(nowhere.status, 404, "an id never seen");
    assertEquals(
      (await server.json("/api/v1/station-security/CP-NEVER-SEEN")).body.configured,
      false,
      "no settings made for a key that never went out",
    );
    const settings = (await server.json("/api/v1/station-security/CP-MANY")).body;
    assertEquals(settings.pendingAuthorizationKeys.length, 2);
    assert(settings.pendingAuthorizationKeys[0].since <= settings.pendingAuthorizationKeys[1].since);
    assertEquals(await opens(url, "CP-MANY", NEW_KEY), 401, "never pended");
    // The station connects with the second: it is the key, and the first (sent before it) is over.
    assertEquals(await opens(url, "CP-MANY", second), 101);
    assertEquals(await opens(url, "CP-MANY", first), 401);
    assertEquals(await opens(url, "CP-MANY", KEY), 401);
    assertEquals((await server.json("/api/v1/station-security/CP-MANY")).body.pendingAuthorizationKeys, []);
  } finally {
    await server.close();
  }
});

Deno.test("a key the station takes after a reboot (RebootRequired) stays pending, by command and generated", async () => {
  const server = await startApiServer();
  const url = `${server.wsUrl}/CP-BOOT`;
  try {
    const station = await stationWithKey(server, "CP-BOOT", () => ({ status: "RebootRequired" }));
    let generated: string;
    try {
      const sent = await server.json("/api/v1/charge-points/CP-BOOT/ChangeConfiguration", {
        method: "POST",
        body: { key: "AuthorizationKey", value: NEW_KEY },
      });
      assertEquals(sent.body.status, "RebootRequired");
      const res = await server.json("/api/v1/station-security/CP-BOOT/authorization-key", { method: "POST" });
      assertEquals([res.status, res.body.delivered, res.body.pending], [200, true, true]);
      assertEquals(res.body.pendingAuthorizationKeys.length, 2);
      generated = res.body.authorizationKey;
    } finally {
      await closeStation(station);
    }
    assertEquals(await opens(url, "CP-BOOT", KEY), 101, "before its reboot, the old key");
    assertEquals(await opens(url, "CP-BOOT", generated), 101, "after it, the last one it took");
    assertEquals(await opens(url, "CP-BOOT", NEW_KEY), 401);
  } finally {
    await server.close();
  }
});

Deno.test("an operator cannot set a key by changing its case; a key the gate could not take is refused", async () => {
  const server = await startApiServer();
  try {
    const received: unknown[] = [];
    const station = await stationWithKey(server, "CP-CASE", (value) => {
      received.push(value);
      return { status: "Accepted" };
    });
    try {
      for (const key of ["authorizationkey", "AUTHORIZATIONKEY"]) {
        const res = await server.json("/api/v1/charge-points/CP-CASE/ChangeConfiguration", {
          method: "POST",
          as: "operator",
          body: { key, value: NEW_KEY },
        });
        assertEquals(res.status, 403, key);
      }
      for (const value of ["", "short-key", "sixteen chars ok"]) {
        const res = await server.json("/api/v1/charge-points/CP-CASE/ChangeConfiguration", {
          method: "POST",
          body: { key: "AuthorizationKey", value },
        });
        assertEquals([res.status, res.body.details.field], [400, "value"], JSON.stringify(value));
      }
      assertEquals(received, [], "nothing reached the station");
    } finally {
      await closeStation(station);
    }
  } finally {
    await server.close();
  }
});

Deno.test("an admin sees when keys went pending and can forget them; the station's key still works", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "800" });
  const url = `${server.wsUrl}/CP-FORGET`;
  try {
    const station = await stationWithKey(server, "CP-FORGET", () => new Promise(() => {}));
    let key: string;
    try {
      key = (await server.json("/api/v1/station-security/CP-FORGET/authorization-key", { method: "POST" }))
        .body.details.authorizationKey;
    } finally {
      await closeStation(station);
    }
    const before = (await server.json("/api/v1/station-security/CP-FORGET")).body;
    assertEquals(before.pendingAuthorizationKeys.length, 1);
    assert(Date.now() - Date.parse(before.pendingAuthorizationKeys[0].since) < 60_000);
    const byOperator = await server.json("/api/v1/station-security/CP-FORGET/pending-authorization-keys", {
      method: "DELETE",
      as: "operator",
    });
    assertEquals(byOperator.status, 403);
    const forgot = await server.json("/api/v1/station-security/CP-FORGET/pending-authorization-keys", {
      method: "DELETE",
    });
    assertEquals([forgot.status, forgot.body.pendingAuthorizationKeys], [200, []]);
    assertEquals(await opens(url, "CP-FORGET", key), 401);
    assertEquals(await opens(url, "CP-FORGET", KEY), 101);
    const events = await server.json("/api/v1/security-events?chargePointId=CP-FORGET", { as: "operator" });
    assert(
      events.body.items.some((e: { reason: string }) => e.reason === "Pending AuthorizationKeys dropped (1)"),
      JSON.stringify(events.body.items),
    );
  } finally {
    await server.close();
  }
});

Deno.test("a key forgotten while it was on its way is a 409 that still carries it, not a 200 for a key never stored", async () => {
  const server = await startApiServer();
  try {
    let answer: (status: { status: string }) => void = () => {};
    let sent = false;
    const station = await stationWithKey(server, "CP-RACE-KEY", () => {
      sent = true;
      return new Promise((resolve) => (answer = resolve));
    });
    try {
      const pending = server.api("/api/v1/station-security/CP-RACE-KEY/authorization-key", {
        method: "POST",
      });
      await eventually(() => sent || null, 3000, "the key went out");
      const forgot = await server.json("/api/v1/station-security/CP-RACE-KEY/pending-authorization-keys", {
        method: "DELETE",
      });
      assertEquals(forgot.status, 200);
      answer({ status: "Accepted" });
      const res = await pending;
      assertEquals(res.headers.get("cache-control"), "no-store");
      const body = await res.json();
      assertEquals([res.status, body.error, body.details.authorizationKey?.length], [409, "conflict", 40]);
    } finally {
      await closeStation(station);
    }
  } finally {
    await server.close();
  }
});

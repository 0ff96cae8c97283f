/**
 * What each role may see on the live event stream. `GET /api/v1/security-events` is operator-only, yet a viewer's
 * `GET /api/v1/events` carried every `securityEvent` (a station's tamper or firmware warnings, a refused CSR)
 * as it happened. Now a viewer's stream leaves them out, a viewer asking for them by name is refused 403, and
 * a stream whose user is lowered to viewer while it is open stops carrying them.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { readEvents } from "./helpers/sse.ts";
import { bootedRawStation, rawAnswer } from "./helpers/station.ts";

const SECURITY_EVENT = { type: "FirmwareUpdated", timestamp: "2026-01-01T00:00:00Z", techInfo: "tamper" };

/** Opens the stream as `token`; throws unless it is 200. */
async function openStream(url: string, token: string, query = ""): Promise<ReadableStream<Uint8Array>> {
  const res = await fetch(`${url}/api/v1/events${query}`, { headers: { authorization: `Bearer ${token}` } });
  assertEquals(res.status, 200);
  return res.body!;
}

Deno.test("a viewer's event stream carries no securityEvent; an operator's does", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-1`);
  try {
    const viewer = await openStream(server.url, server.tokens.viewer);
    const operator = await openStream(server.url, server.tokens.operator);
    await rawAnswer(station, "SecurityEventNotification", SECURITY_EVENT);
    // A later event every role may see marks the end of what the viewer would have been sent.
    await rawAnswer(station, "StatusNotification", {
      connectorId: 1,
      errorCode: "NoError",
      status: "Preparing",
    });
    const operatorSaw = await readEvents(operator, (e) => e.event === "status", 10_000);
    assert(operatorSaw.some((e) => e.event === "securityEvent"), JSON.stringify(operatorSaw));
    const viewerSaw = await readEvents(viewer, (e) => e.event === "status", 10_000);
    assert(viewerSaw.some((e) => e.event === "status"), JSON.stringify(viewerSaw));
    assertEquals(viewerSaw.filter((e) => e.event === "securityEvent"), []);
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer asking the event stream for securityEvent by name is refused 403 with a JSON body", async () => {
  const server = await startApiServer();
  try {
    const res = await fetch(`${server.url}/api/v1/events?types=status,securityEvent`, {
      headers: { authorization: `Bearer ${server.tokens.viewer}` },
    });
    assertEquals(res.status, 403);
    const body = await res.json();
    assertEquals(body.error, "forbidden");
    const allowed = await fetch(`${server.url}/api/v1/events?types=securityEvent`, {
      headers: { authorization: `Bearer ${server.tokens.operator}` },
    });
    assertEquals(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await server.close();
  }
});

Deno.test("an open stream of an operator lowered to viewer stops carrying securityEvent", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-2`);
  try {
    const made = await server.json("/api/v1/users", {
      method: "POST",
      body: { username: "oscar", password: "oscar-password-1", role: "operator" },
    });
    assertEquals(made.status, 201, JSON.stringify(made.body));
    const cookie = await server.login("oscar", "oscar-password-1");
    const res = await fetch(`${server.url}/api/v1/events`, { headers: { cookie } });
    assertEquals(res.status, 200);
    const lowered = await server.json("/api/v1/users/oscar", { method: "PATCH", body: { role: "viewer" } });
    assertEquals(lowered.status, 200, JSON.stringify(lowered.body));
    // The change is heard at once (this process made it); give the recheck a moment to read the store.
    await new Promise((r) => setTimeout(r, 500));
    await rawAnswer(station, "SecurityEventNotification", SECURITY_EVENT);
    await rawAnswer(station, "StatusNotification", {
      connectorId: 1,
      errorCode: "NoError",
      status: "Preparing",
    });
    const saw = await readEvents(res.body!, (e) => e.event === "status", 10_000);
    assertEquals(saw.filter((e) => e.event === "securityEvent"), []);
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer reading a station's recent frames sees no SecurityEventNotification content; an operator does", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-3`);
  try {
    await rawAnswer(station, "SecurityEventNotification", SECURITY_EVENT);
    // Sent escaped, as JSON allows: the server reads the same action.
    station.send(
      '[2,"esc-1","Security\\u0045ventNotification",{"type":"FirmwareUpdated",' +
        '"timestamp":"2026-01-01T00:00:00Z","techInfo":"escaped-tamper"}]',
    );
    assertEquals(((await station.next()) as unknown[])[0], 3);
    const frames = async (as: "viewer" | "operator") => {
      const res = await server.json("/api/v1/charge-points/SEC-ROLE-3/frames", { as });
      assertEquals(res.status, 200);
      return JSON.stringify(res.body.items);
    };
    const operatorSees = await frames("operator");
    assert(operatorSees.includes("tamper") && operatorSees.includes("escaped-tamper"), operatorSees);
    const viewerSees = await frames("viewer");
    assert(!viewerSees.includes("tamper"), viewerSees);
    // The frame is still listed (the exchange happened), its payload withheld.
    assert(viewerSees.includes("SecurityEventNotification"), viewerSees);
    assert(viewerSees.includes("BootNotification"), viewerSees);
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer sees no SecurityEventNotification content whatever JSON number spells its MessageTypeId", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-4`);
  try {
    // JSON.parse reads 2.0, 2e0 and 20E-1 as 2: the server takes each as a CALL and stores the event.
    for (const [i, type] of ["2.0", "2e0", "20E-1"].entries()) {
      station.send(
        `[${type},"num-${i}","SecurityEventNotification",{"type":"FirmwareUpdated",` +
          `"timestamp":"2026-01-01T00:00:00Z","techInfo":"numbered-tamper-${i}"}]`,
      );
      const answer = (await station.next()) as unknown[];
      assertEquals(answer.slice(0, 2), [3, `num-${i}`]);
    }
    const operatorSees = JSON.stringify(
      (await server.json("/api/v1/charge-points/SEC-ROLE-4/frames", { as: "operator" })).body.items,
    );
    assert(operatorSees.includes("numbered-tamper-2"), operatorSees);
    const res = await server.json("/api/v1/charge-points/SEC-ROLE-4/frames", { as: "viewer" });
    assertEquals(res.status, 200);
    const viewerSees = JSON.stringify(res.body.items);
    assert(!viewerSees.includes("tamper"), viewerSees);
    assert(viewerSees.includes("SecurityEventNotification"), viewerSees);
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer reads no SecurityEventNotification content in the CALLERROR that refused it", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-5`);
  try {
    // Refused for its timestamp: our CALLERROR's description quotes the field's value.
    const secret = "refused-tamper-detail";
    station.send(JSON.stringify([2, "bad-1", "SecurityEventNotification", { type: "x", timestamp: secret }]));
    const answer = (await station.next()) as unknown[];
    assertEquals(answer.slice(0, 2), [4, "bad-1"]);
    assert(JSON.stringify(answer).includes(secret), JSON.stringify(answer));
    const frames = async (as: "viewer" | "operator") => {
      const res = await server.json("/api/v1/charge-points/SEC-ROLE-5/frames", { as });
      assertEquals(res.status, 200);
      return JSON.stringify(res.body.items);
    };
    const operatorSees = await frames("operator");
    assert(operatorSees.includes(secret), operatorSees);
    const viewerSees = await frames("viewer");
    assert(!viewerSees.includes(secret), viewerSees);
    // The refusal is still listed, with its code: that the station sent a bad frame is no secret.
    assert(
      viewerSees.includes("FormationViolation") || viewerSees.includes("ConstraintViolation"),
      viewerSees,
    );
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer reads no SecurityEventNotification content the server refused for a message id that is no string", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-6`);
  try {
    const secret = "numbered-id-tamper";
    station.send(`[2,7,"SecurityEventNotification",{"type":"FirmwareUpdated","techInfo":"${secret}"}]`);
    assertEquals(((await station.next()) as unknown[])[0], 4);
    const res = await server.json("/api/v1/charge-points/SEC-ROLE-6/frames", { as: "viewer" });
    assertEquals(res.status, 200);
    const viewerSees = JSON.stringify(res.body.items);
    assert(!viewerSees.includes(secret), viewerSees);
    assert(viewerSees.includes("SecurityEventNotification"), viewerSees);
    const operatorSees = await server.json("/api/v1/charge-points/SEC-ROLE-6/frames", { as: "operator" });
    assert(JSON.stringify(operatorSees.body.items).includes(secret));
  } finally {
    await station.close();
    await server.close();
  }
});

Deno.test("a viewer reads no SecurityEventNotification content the server refused for a message id that is an object", async () => {
  const server = await startApiServer();
  const station = await bootedRawStation(`${server.wsUrl}/SEC-ROLE-7`);
  try {
    const secret = "object-id-tamper";
    station.send(`[2,{"n":1},"SecurityEventNotification",{"type":"FirmwareUpdated","techInfo":"${secret}"}]`);
    assertEquals(((await station.next()) as unknown[])[0], 4);
    const res = await server.json("/api/v1/charge-points/SEC-ROLE-7/frames", { as: "viewer" });
    assertEquals(res.status, 200);
    const viewerSees = JSON.stringify(res.body.items);
    assert(!viewerSees.includes(secret), viewerSees);
    assert(viewerSees.includes("SecurityEventNotification"), viewerSees);
    const operatorSees = await server.json("/api/v1/charge-points/SEC-ROLE-7/frames", { as: "operator" });
    assert(JSON.stringify(operatorSees.body.items).includes(secret));
  } finally {
    await station.close();
    await server.close();
  }
});

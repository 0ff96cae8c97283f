/**
 * Edges of the OCPP 1.6 Security extension a QA pass found, driven as a station (raw `ws` frames, so the test
 * chooses the message ids) and an operator (real HTTP) would:
 *
 * - a CALL id reused while the first CALL with it is still open gets exactly one answer (the first's);
 * - a malformed CSR is refused as not a CSR, even within PKI_MIN_REISSUE_S of the last certificate;
 * - SignedUpdateFirmware sent directly or as a job needs a PEM `firmware.signingCertificate`;
 * - a malformed `before` cursor is a 400 naming it;
 * - a SecurityEventNotification retransmitted with its message id is stored and counted once.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCa, makeCsr } from "./helpers/openssl.ts";
import { openRaw, type RawSocket } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const KEY = "security-edges-key-000001";

async function withRawStation(
  id: string,
  fn: (
    ctx: { server: ApiTestServer; socket: RawSocket; dir: string; reconnect(): Promise<RawSocket> },
  ) => Promise<
    void
  >,
  env: Record<string, string> = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "holes_secedges_e2e_" });
  const server = await startApiServer(env);
  const sockets: RawSocket[] = [];
  const connect = async () => {
    const socket = await openRaw(`${server.wsUrl}/${id}`, ["ocpp1.6"], {
      headers: { authorization: `Basic ${btoa(`${id}:${KEY}`)}` },
    });
    sockets.push(socket);
    return socket;
  };
  try {
    const set = await server.json(`/api/v1/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    const socket = await connect();
    socket.send(
      JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }]),
    );
    const boot = await socket.next() as unknown[];
    assertEquals([boot[0], boot[1], (boot[2] as Json).status], [3, "boot", "Accepted"]);
    await fn({ server, socket, dir, reconnect: connect });
  } finally {
    for (const socket of sockets) await socket.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Every frame the socket receives within `ms` (not with `next()`: a timed-out one would take a later frame). */
async function framesWithin(socket: RawSocket, ms: number): Promise<unknown[][]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return socket.received.splice(0) as unknown[][];
}

Deno.test("a CALL id reused while the first CALL with it is open gets one answer, the first's, for any action", async () => {
  await withRawStation("CP-EDGE-DUP", async ({ socket, dir }) => {
    const { csr } = await makeCsr(dir, "/CN=CP-EDGE-DUP");
    const call = JSON.stringify([2, "same", "SignCertificate", { csr }]);
    socket.send(call);
    socket.send(call);
    const frames = await framesWithin(socket, 2000);
    const forSame = frames.filter((f) => f[1] === "same");
    assertEquals(forSame, [[3, "same", { status: "Accepted" }]], JSON.stringify(frames));
    // The certificate follows, once.
    assertEquals(frames.filter((f) => f[0] === 2 && f[2] === "CertificateSigned").length, 1);

    // Another action, the same rule.
    const event = JSON.stringify([2, "again", "SecurityEventNotification", {
      type: "SettingSystemTime",
      timestamp: new Date().toISOString(),
    }]);
    socket.send(event);
    socket.send(event);
    const more = await framesWithin(socket, 1500);
    assertEquals(more.filter((f) => f[1] === "again"), [[3, "again", {}]], JSON.stringify(more));
  });
});

Deno.test("under the message rate, a copy of a CALL held for its token or refused for rate gets no answer of its own", async () => {
  await withRawStation("CP-EDGE-RATE", async ({ socket }) => {
    const status = { connectorId: 1, errorCode: "NoError", status: "Available" };
    const call = JSON.stringify([2, "held", "StatusNotification", status]);
    // The boot and a Heartbeat take both tokens: the CALL waits for the next (held), its copy comes meanwhile.
    socket.send(JSON.stringify([2, "beat", "Heartbeat", {}]));
    assertEquals((await socket.next() as unknown[])[1], "beat");
    socket.send(call);
    socket.send(call);
    const frames = await framesWithin(socket, 2500);
    assertEquals(frames.filter((f) => f[1] === "held"), [[3, "held", {}]], JSON.stringify(frames));
    // Two tokens again: the CALL takes one, its first copy the other, its second copy is over the rate.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const open = JSON.stringify([2, "open", "StatusNotification", status]);
    for (let i = 0; i < 3; i++) socket.send(open);
    const more = await framesWithin(socket, 1500);
    assertEquals(more.filter((f) => f[1] === "open"), [[3, "open", {}]], JSON.stringify(more));
  }, { STATION_MSG_RATE: "1", STATION_MSG_BURST: "2" });
});

Deno.test("a malformed CSR within PKI_MIN_REISSUE_S is refused as not a CSR, not as asked too soon", async () => {
  await withRawStation("CP-EDGE-CSR", async ({ server, socket, dir }) => {
    const { csr } = await makeCsr(dir, "/CN=CP-EDGE-CSR");
    socket.send(JSON.stringify([2, "good", "SignCertificate", { csr }]));
    const first = await socket.next() as unknown[];
    assertEquals(first, [3, "good", { status: "Accepted" }]);
    const signed = await socket.next() as unknown[];
    assertEquals([signed[0], signed[2]], [2, "CertificateSigned"]);
    socket.send(JSON.stringify([3, signed[1], { status: "Accepted" }]));
    for (const [id, bad] of [["empty", ""], ["garbage", "not a certificate signing request"]]) {
      socket.send(JSON.stringify([2, id, "SignCertificate", { csr: bad }]));
      assertEquals(await socket.next(), [3, id, { status: "Rejected" }]);
    }
    const events = await server.json("/api/v1/security-events?kind=csr_rejected&chargePointId=CP-EDGE-CSR", {
      as: "operator",
    });
    const reasons = events.body.items.map((e: Json) => e.reason);
    assertEquals(reasons.length, 2, JSON.stringify(reasons));
    for (const reason of reasons) {
      assert(/CSR /.test(reason) && !/issued/.test(reason), reason);
    }
  }, { PKI_MIN_REISSUE_S: "3600" });
});

Deno.test("SignedUpdateFirmware sent directly or as a job needs a PEM signingCertificate: 400 naming the field", async () => {
  await withRawStation("CP-EDGE-FW", async ({ server, dir }) => {
    const signer = await makeCa(dir, "/CN=Firmware Signer");
    const firmware = (signingCertificate: string) => ({
      location: "https://firmware.example.com/volt-3.0.bin",
      retrieveDateTime: new Date().toISOString(),
      signature: "c2lnbmF0dXJl",
      signingCertificate,
    });
    for (const bad of ["not a certificate", ""]) {
      const direct = await server.json("/api/v1/charge-points/CP-EDGE-FW/SignedUpdateFirmware", {
        method: "POST",
        as: "operator",
        body: { requestId: 1, firmware: firmware(bad) },
      });
      assertEquals(direct.status, 400, JSON.stringify(direct.body));
      assertEquals(direct.body.details.field, "firmware.signingCertificate");
      const job = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "operator",
        body: {
          action: "SignedUpdateFirmware",
          payload: { requestId: 1, firmware: firmware(bad) },
          chargePointIds: ["CP-EDGE-FW"],
        },
      });
      assertEquals(job.status, 400, JSON.stringify(job.body));
      assertEquals(job.body.details.field, "payload.firmware.signingCertificate");
    }
    // A real certificate goes out.
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: {
        action: "SignedUpdateFirmware",
        payload: { requestId: 1, firmware: firmware(signer.certPem) },
        chargePointIds: ["CP-EDGE-FW"],
      },
    });
    assertEquals(job.status, 201, JSON.stringify(job.body));
  });
});

Deno.test("a malformed before cursor is a 400 naming the query field; a real one pages", async () => {
  const server = await startApiServer();
  try {
    for (const path of ["/api/v1/security-events", "/api/v1/pki/certificates", "/api/v1/uploads"]) {
      const bad = await server.json(`${path}?before=garbage`, { as: "operator" });
      assertEquals(bad.status, 400, `${path}: ${JSON.stringify(bad.body)}`);
      assertEquals([bad.body.details.in, bad.body.details.field], ["query", "before"], path);
    }
    // Three events, two per page: the cursor the first page gives is taken.
    for (const id of ["CP-A", "CP-B", "CP-C"]) {
      const set = await server.json(`/api/v1/station-security/${id}`, {
        method: "PATCH",
        body: { securityProfile: 1, authorizationKey: KEY },
      });
      assertEquals(set.status, 200);
    }
    const first = await server.json("/api/v1/security-events?limit=2", { as: "operator" });
    assertEquals(first.status, 200);
    assert(first.body.nextCursor, JSON.stringify(first.body));
    const second = await server.json(
      `/api/v1/security-events?limit=2&before=${encodeURIComponent(first.body.nextCursor)}`,
      { as: "operator" },
    );
    assertEquals(second.status, 200, JSON.stringify(second.body));
    assert(second.body.items.length >= 1);
  } finally {
    await server.close();
  }
});

Deno.test("a SecurityEventNotification retransmitted with its message id after a reconnect is stored and counted once", async () => {
  await withRawStation("CP-EDGE-RETX", async ({ server, socket, reconnect }) => {
    const event = JSON.stringify([2, "sec-1", "SecurityEventNotification", {
      type: "InvalidMessages",
      timestamp: "2024-05-01T10:00:00.000Z",
      techInfo: "retransmitted",
    }]);
    socket.send(event);
    assertEquals(await socket.next(), [3, "sec-1", {}]);
    // The answer was lost, as far as the station knows: it reconnects and sends the same frame again.
    await socket.close();
    const again = await reconnect();
    again.send(event);
    assertEquals(await again.next(), [3, "sec-1", {}]);
    // Within the same connection too.
    again.send(event);
    assertEquals(await again.next(), [3, "sec-1", {}]);
    // One more, with the only quota slot left: stored.
    again.send(JSON.stringify([2, "sec-2", "SecurityEventNotification", {
      type: "InvalidMessages",
      timestamp: "2024-05-01T10:00:01.000Z",
      techInfo: "new",
    }]));
    assertEquals(await again.next(), [3, "sec-2", {}]);
    const stored = await server.json(
      "/api/v1/security-events?kind=station_event&chargePointId=CP-EDGE-RETX",
      {
        as: "operator",
      },
    );
    assertEquals(stored.body.items.map((e: Json) => e.reason), [
      "InvalidMessages: new (station time 2024-05-01T10:00:01.000Z)",
      "InvalidMessages: retransmitted (station time 2024-05-01T10:00:00.000Z)",
    ]);
    const dropped = await server.json(
      "/api/v1/security-events?kind=station_events_dropped&chargePointId=CP-EDGE-RETX",
      { as: "operator" },
    );
    assertEquals(dropped.body.items, []);
  }, { STATION_SECURITY_EVENT_MAX: "2" });
});

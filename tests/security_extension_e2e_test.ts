/**
 * The OCPP 1.6 Security extension end to end, with a strict station whose validator is built from the official
 * security JSON schemas (tests/helpers/security_station.ts), real HTTP, and `openssl` for keys, CSRs and
 * verification:
 *
 * - SecurityEventNotification is stored and listed with the other security events, per station and fleet-wide;
 *   critical ones are highlighted (their own kind) and sent on the event stream;
 * - SignCertificate with a CSR made by `openssl req` is Accepted and followed by CertificateSigned, whose leaf
 *   `openssl verify` accepts against GET /api/v1/pki/ca; a CSR with another CN (another station's id) is
 *   Rejected, nothing is signed, and a security event says why;
 * - GetLog with `csms:upload`: the station uploads to the URL it is given, the operator downloads the same
 *   bytes, the LogStatusNotifications are kept as history;
 * - SignedUpdateFirmware with an uploaded image: the station downloads it from the URL it is given, and the
 *   status history shows each SignedFirmwareStatusNotification; plain Firmware/DiagnosticsStatusNotifications
 *   are history too;
 * - renewal: a certificate within PKI_RENEW_BEFORE_DAYS of expiry gets ExtendedTriggerMessage
 *   SignChargePointCertificate, and the station's new CSR gets a new certificate.
 *
 * The stations authenticate (profile 1, Basic auth): only an authenticated connection gets a certificate, and
 * one that did not (profile 0) is refused it.
 */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { x509 } from "../pki/x509.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCa, makeCsr, opensslVerify } from "./helpers/openssl.ts";
import { attempt } from "./helpers/secure_station.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { readEvents } from "./helpers/sse.ts";
import { closeStation, openRaw, rawAnswer, type Station } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const KEY = "security-extension-key-0001";

async function withStation(
  id: string,
  fn: (ctx: { server: ApiTestServer; station: Station; dir: string }) => Promise<void>,
  env: Record<string, string> = {},
  options: Parameters<typeof startApiServer>[1] = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "csms_secext_e2e_" });
  const server = await startApiServer(env, options);
  let station: Station | null = null;
  try {
    const set = await server.json(`/api/v1/station-security/${id}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    station = await connectSecurityStation(server.wsUrl, id, { password: KEY });
    await fn({ server, station, dir });
  } finally {
    if (station) await closeStation(station);
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Resolves with the params of the next CALL `action` the station receives, answering `answer`. */
function nextCall(station: Station, action: string, answer: Json): Promise<Json> {
  return new Promise((resolve) => {
    station.handle(action, ({ params }) => {
      resolve(params);
      return answer;
    });
  });
}

const now = () => new Date().toISOString();

Deno.test("SecurityEventNotification is stored and listed; critical events are highlighted and streamed", async () => {
  await withStation("CP-SEC-1", async ({ server, station }) => {
    // An operator's stream: security events are kept from viewers (attack_event_stream_roles_e2e_test.ts).
    const stream = await server.api("/api/v1/events?chargePointId=CP-SEC-1", { as: "operator" });
    await eventually(() => server.events.subscriberCount > 0);
    const at = "2024-05-01T10:00:00.000Z";
    assertEquals(
      await station.call("SecurityEventNotification", {
        type: "InvalidMessages",
        timestamp: at,
        techInfo: "bad TLS",
      }),
      {},
    );
    assertEquals(
      await station.call("SecurityEventNotification", { type: "TamperDetectionActivated", timestamp: at }),
      {},
    );
    const seen = await readEvents(stream.body!, (e) => e.event === "securityEvent", 15_000);
    const critical = seen.find((e) => e.event === "securityEvent");
    assert(critical, `no securityEvent streamed: ${JSON.stringify(seen)}`);
    assertEquals(critical.data.stationEventType, "TamperDetectionActivated");
    assertEquals(critical.data.critical, true);

    const mine = await server.json("/api/v1/security-events?chargePointId=CP-SEC-1", { as: "operator" });
    // The station's own events (its security settings' change, made by withStation, is one too).
    const kinds = mine.body.items.filter((e: Json) => String(e.kind).startsWith("station_event"))
      .map((e: Json) => [e.kind, e.reason]);
    assertEquals(kinds, [
      ["station_event_critical", "TamperDetectionActivated (station time 2024-05-01T10:00:00.000Z)"],
      ["station_event", "InvalidMessages: bad TLS (station time 2024-05-01T10:00:00.000Z)"],
    ]);
    const fleet = await server.json("/api/v1/security-events?kind=station_event_critical", {
      as: "operator",
    });
    assertEquals(fleet.body.items.length, 1);
    // The dashboard's security page shows it marked.
    const cookie = await server.login("root", "root-password-1");
    const page = await (await fetch(`${server.url}/security?chargePointId=CP-SEC-1`, { headers: { cookie } }))
      .text();
    assertStringIncludes(page, "TamperDetectionActivated");
    assertMatch(page, /class="[^"]*critical[^"]*"/);
  });
});

Deno.test("SignCertificate: an openssl CSR is Accepted and its CertificateSigned chain verifies against GET /api/v1/pki/ca", async () => {
  await withStation("CP-SEC-2", async ({ server, station, dir }) => {
    const { csr } = await makeCsr(dir, "/CN=CP-SEC-2", "rsa:2048");
    const signed = nextCall(station, "CertificateSigned", { status: "Accepted" });
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    const { certificateChain } = await signed as { certificateChain: string };
    const caPath = `${dir}/ca.pem`;
    await Deno.writeTextFile(caPath, await (await fetch(`${server.url}/api/v1/pki/ca`)).text());
    const verified = await opensslVerify(dir, caPath, certificateChain);
    assert(verified.ok, verified.output);
    const leaf = new x509.X509Certificate(certificateChain);
    assertEquals(leaf.subject, "CN=CP-SEC-2");
    const issued = await server.json("/api/v1/pki/certificates?chargePointId=CP-SEC-2", { as: "viewer" });
    assertEquals(issued.body.items.map((c: Json) => c.serialNumber), [leaf.serialNumber.toLowerCase()]);
    // The CertificateSigned we sent and its answer are in the command log.
    await eventually(async () => {
      const log = await server.json("/api/v1/charge-points/CP-SEC-2/commands", { as: "viewer" });
      return log.body.items.some((c: Json) => c.action === "CertificateSigned");
    });
  });
});

Deno.test("attack: a CSR for another station's id is Rejected, nothing is signed, and a security event says why", async () => {
  await withStation("CP-SEC-3", async ({ server, station, dir }) => {
    let certificateSigned = 0;
    station.handle("CertificateSigned", () => {
      certificateSigned++;
      return { status: "Accepted" };
    });
    const { csr } = await makeCsr(dir, "/CN=CP-VICTIM");
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Rejected" });
    assertEquals(await station.call("SignCertificate", { csr: "not a csr" }), { status: "Rejected" });
    await new Promise((r) => setTimeout(r, 300));
    assertEquals(certificateSigned, 0);
    assertEquals((await server.json("/api/v1/pki/certificates", { as: "viewer" })).body.items, []);
    const events = await server.json("/api/v1/security-events?kind=csr_rejected", { as: "operator" });
    assertEquals(events.body.items.map((e: Json) => [e.chargePointId, e.reason]), [
      ["CP-SEC-3", "SignCertificate refused: CSR must be exactly one PEM block of type CERTIFICATE REQUEST"],
      [
        "CP-SEC-3",
        'SignCertificate refused: CSR subject CN "CP-VICTIM" is not the charge point id "CP-SEC-3"',
      ],
    ]);
  });
});

Deno.test("attack: a connection that did not authenticate (profile 0) is refused a certificate, with a security event", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_secext_e2e_" });
  const server = await startApiServer();
  // Anyone can claim an id at profile 0 (the default): no key, no client certificate.
  const impostor = await openRaw(`${server.wsUrl}/CP-SEC-OPEN`);
  try {
    const boot = await rawAnswer(impostor, "BootNotification", {
      chargePointVendor: "X",
      chargePointModel: "Y",
    });
    assertEquals(boot.status, "Accepted");
    const { csr } = await makeCsr(dir, "/CN=CP-SEC-OPEN");
    assertEquals(await rawAnswer(impostor, "SignCertificate", { csr }), { status: "Rejected" });
    // No CertificateSigned follows, nothing is signed.
    await assertRejectsWithin(impostor.next(500));
    assertEquals((await server.json("/api/v1/pki/certificates", { as: "viewer" })).body.items, []);
    const events = await server.json("/api/v1/security-events?kind=csr_rejected", { as: "operator" });
    assertEquals(events.body.items.map((e: Json) => [e.chargePointId, e.reason]), [[
      "CP-SEC-OPEN",
      "SignCertificate refused: the connection is not authenticated (security profile 0: no AuthorizationKey, " +
      "no client certificate); set security profile 1 or higher for this station to issue it a certificate",
    ]]);
    // Once the operator gives the station a key (profile 1), only who holds it gets in, and gets a certificate.
    const set = await server.json("/api/v1/station-security/CP-SEC-OPEN", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200);
    const keyless = await attempt(`${server.wsUrl}/CP-SEC-OPEN`);
    assertEquals(keyless.open ? 101 : keyless.status, 401);
    const station = await connectSecurityStation(server.wsUrl, "CP-SEC-OPEN", { password: KEY });
    try {
      const signed = nextCall(station, "CertificateSigned", { status: "Accepted" });
      assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
      await signed;
    } finally {
      await closeStation(station);
    }
  } finally {
    await impostor.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** `next` that must time out: nothing more was sent. */
async function assertRejectsWithin(next: Promise<unknown>): Promise<void> {
  const got = await next.then((frame) => frame, () => null);
  assertEquals(got, null, `unexpected frame ${JSON.stringify(got)}`);
}

Deno.test("a flood of SignCertificate gets one certificate: the others are Rejected until PKI_MIN_REISSUE_S", async () => {
  await withStation("CP-SEC-FLOOD", async ({ server, station, dir }) => {
    let delivered = 0;
    station.handle("CertificateSigned", () => (delivered++, { status: "Accepted" }));
    const { csr } = await makeCsr(dir, "/CN=CP-SEC-FLOOD");
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => station.call("SignCertificate", { csr }) as Promise<Json>),
    );
    // The first is Accepted; one checked while it was being signed may be too, and is then refused at signing.
    assert(answers.filter((a) => a.status === "Accepted").length >= 1, JSON.stringify(answers));
    await eventually(() => delivered === 1 || null, 5000, "the one certificate delivered");
    const issued = await server.json("/api/v1/pki/certificates?chargePointId=CP-SEC-FLOOD", { as: "viewer" });
    assertEquals(issued.body.items.length, 1);
    // Later, once more: still refused within the minute.
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Rejected" });
    assertEquals(delivered, 1);
  });
});

Deno.test("GetLog with csms:upload: the station uploads, the operator downloads the same bytes, statuses are history", async () => {
  await withStation("CP-SEC-4", async ({ server, station }) => {
    const asked = nextCall(station, "GetLog", { status: "Accepted", filename: "security.log" });
    const sent = await server.json("/api/v1/charge-points/CP-SEC-4/GetLog", {
      method: "POST",
      as: "operator",
      body: { logType: "SecurityLog", requestId: 9, log: { remoteLocation: "csms:upload" } },
    });
    assertEquals(sent.status, 200, JSON.stringify(sent.body));
    assertEquals(sent.body, { status: "Accepted", filename: "security.log" });
    const request = await asked as { log: { remoteLocation: string }; requestId: number };
    assert(
      request.log.remoteLocation.startsWith(`${server.url}/files/upload/CP-SEC-4/`),
      request.log.remoteLocation,
    );
    // The URL is a capability (whoever has it may upload this station's log): a viewer reading the command
    // log or the frame log sees where it points, never its token.
    const token = request.log.remoteLocation.split("/").at(-1)!;
    for (const path of ["commands", "frames"]) {
      const logged = await server.json(`/api/v1/charge-points/CP-SEC-4/${path}`, { as: "viewer" });
      assertEquals(logged.status, 200);
      assert(JSON.stringify(logged.body).includes("/files/upload/CP-SEC-4/"), path);
      assertEquals(JSON.stringify(logged.body).includes(token), false, `${path} shows the upload token`);
    }
    const bytes = crypto.getRandomValues(new Uint8Array(5000));
    await station.call("LogStatusNotification", { status: "Uploading", requestId: 9 });
    const form = new FormData();
    form.append("file", new File([bytes], "security.log"));
    const uploaded = await fetch(request.log.remoteLocation, { method: "POST", body: form });
    assertEquals(uploaded.status, 201);
    await uploaded.body?.cancel();
    await station.call("LogStatusNotification", { status: "Uploaded", requestId: 9 });

    const list = await server.json("/api/v1/uploads?chargePointId=CP-SEC-4", { as: "viewer" });
    assertEquals(list.body.items.map((u: Json) => [u.kind, u.logType, u.requestId, u.fileName]), [
      ["log", "SecurityLog", 9, "security.log"],
    ]);
    const download = await server.api(`/api/v1/uploads/${list.body.items[0].id}/content`, { as: "operator" });
    assertEquals(new Uint8Array(await download.arrayBuffer()), bytes);
    const history = await server.json("/api/v1/charge-points/CP-SEC-4/file-status-history", { as: "viewer" });
    assertEquals(history.body.items.map((h: Json) => [h.kind, h.status, h.requestId]), [
      ["log", "Uploaded", 9],
      ["log", "Uploading", 9],
    ]);
    for (const h of history.body.items) assertMatch(h.receivedAt as string, /^\d{4}-\d\d-\d\dT/);
  });
});

Deno.test("SignedUpdateFirmware with an uploaded image: the station downloads it and the status history shows each step", async () => {
  await withStation("CP-SEC-5", async ({ server, station, dir }) => {
    const signer = await makeCa(dir, "/CN=Firmware Signer");
    const image = crypto.getRandomValues(new Uint8Array(50_000));
    const form = new FormData();
    form.append("name", "Volt-1 3.0");
    form.append("file", new File([image], "volt-3.0.bin"));
    form.append("signature", "c2lnbmF0dXJl");
    form.append("signingCertificate", signer.certPem);
    const uploaded = await fetch(`${server.url}/api/v1/firmware`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.tokens.admin}` },
      body: form,
    });
    assertEquals(uploaded.status, 201);
    const firmware = await uploaded.json();

    const asked = nextCall(station, "SignedUpdateFirmware", { status: "Accepted" });
    const sent = await server.json("/api/v1/charge-points/CP-SEC-5/SignedUpdateFirmware", {
      method: "POST",
      as: "operator",
      body: {
        requestId: 5,
        firmware: {
          location: `csms:firmware/${firmware.id}`,
          retrieveDateTime: now(),
          signature: "",
          signingCertificate: "",
        },
      },
    });
    assertEquals(sent.body, { status: "Accepted" });
    const request = await asked as {
      firmware: { location: string; signature: string; signingCertificate: string };
    };
    assertEquals(request.firmware.signature, "c2lnbmF0dXJl");
    assertEquals(request.firmware.signingCertificate, signer.certPem.trim());
    const steps = ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"];
    await station.call("SignedFirmwareStatusNotification", { status: steps[0], requestId: 5 });
    const downloaded = await fetch(request.firmware.location);
    assertEquals(new Uint8Array(await downloaded.arrayBuffer()), image);
    for (const status of steps.slice(1)) {
      await station.call("SignedFirmwareStatusNotification", { status, requestId: 5 });
    }
    await station.call("FirmwareStatusNotification", { status: "Idle" });
    await station.call("DiagnosticsStatusNotification", { status: "Uploaded" });
    const history = await server.json("/api/v1/charge-points/CP-SEC-5/file-status-history", { as: "viewer" });
    assertEquals(history.body.items.map((h: Json) => [h.kind, h.status, h.requestId]).reverse(), [
      ...steps.map((s) => ["signedFirmware", s, 5]),
      ["firmware", "Idle", null],
      ["diagnostics", "Uploaded", null],
    ]);
    // The station page shows the history with times.
    const cookie = await server.login("root", "root-password-1");
    const page = await (await fetch(`${server.url}/stations/CP-SEC-5`, { headers: { cookie } })).text();
    for (const status of steps) assertStringIncludes(page, status);
  });
});

Deno.test("renewal: a certificate near expiry gets ExtendedTriggerMessage SignChargePointCertificate, and the station renews", async () => {
  await withStation(
    "CP-SEC-6",
    async ({ server, station, dir }) => {
      const chains: string[] = [];
      station.handle("CertificateSigned", ({ params }) => {
        chains.push(params.certificateChain);
        return { status: "Accepted" };
      });
      // Every certificate here is due for renewal at once, so triggers keep coming: once the test has seen a
      // renewal it refuses them, and it waits for the renewals under way before the temporary directory goes.
      let renewing = true;
      const renewals: Promise<unknown>[] = [];
      station.handle("ExtendedTriggerMessage", ({ params }) => {
        assertEquals(params, { requestedMessage: "SignChargePointCertificate" });
        if (!renewing) return { status: "Rejected" };
        // As a station does: answer, then send the new CSR.
        renewals.push(
          new Promise((r) => setTimeout(r, 10))
            .then(() => makeCsr(dir, "/CN=CP-SEC-6"))
            .then(({ csr }) => station.call("SignCertificate", { csr })),
        );
        return { status: "Accepted" };
      });
      const { csr } = await makeCsr(dir, "/CN=CP-SEC-6");
      assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
      // Valid 1 day, renewed 2 days before expiry: due at once; the scan runs every 200 ms.
      await eventually(() => chains.length >= 2, 10_000, "a renewed certificate");
      renewing = false;
      await Promise.all(renewals);
      const issued = await server.json("/api/v1/pki/certificates?chargePointId=CP-SEC-6", { as: "viewer" });
      assert(issued.body.items.length >= 2);
      assert(
        issued.body.items.at(-1).renewalRequestedAt !== null,
        "the first certificate's renewal was requested",
      );
    },
    // Renewed seconds after the first: no wait between certificates here.
    { PKI_CERT_VALIDITY_DAYS: "1", PKI_RENEW_BEFORE_DAYS: "2", PKI_MIN_REISSUE_S: "0" },
    { renewalIntervalMs: 200 },
  );
});

/**
 * A graceful stop ends before the supervisor's SIGKILL, whatever outside parties do: `WORKERS=2` on one
 * PostgreSQL database (real processes, `main.ts`), a webhook receiver that takes the POST and never answers
 * (WEBHOOK_TIMEOUT_MS 120 s), then SIGTERM. Each worker cuts the wait at its shutdown deadline (a log line says
 * what it cut), stores the cut attempt and exits before WORKER_STOP_GRACE_S: no worker is SIGKILLed. The
 * delivery stays queued: a server started again on the database posts it again, and it is delivered. Nor does
 * a station that never answers load management's profile or the certificate renewal's trigger hold up a stop
 * (in process, on their own).
 */
import { assert, assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN, startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually, within } from "./helpers/server.ts";
import { closeStation, connectStation, type Station } from "./helpers/station.ts";
import { hangUntilClosed, startReceiver } from "./helpers/webhook_receiver.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const ignore = await ignoreWithoutPostgres("worker shutdown deadline test");

const GRACE_S = 8;
const SETTINGS = {
  ADMIN_USER: ADMIN.username,
  ADMIN_PASSWORD: ADMIN.password,
  WEBHOOK_ALLOW_LOOPBACK: "true",
  WEBHOOK_BACKOFF_BASE_S: "0.2",
  WEBHOOK_BACKOFF_MAX_S: "1",
  FLEET_POLL_MS: "50",
};

Deno.test({
  name:
    "SIGTERM with a webhook receiver that never answers: the workers cut the wait and exit before the grace",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const db = await migratedDatabase("csms_shutdown_deadline");
    let hang = true;
    const receiver = startReceiver((_n, request) =>
      hang ? hangUntilClosed(receiver, request) : new Response(null, { status: 204 })
    );
    const supervisor = await spawnServer({
      ...SETTINGS,
      DATABASE_URL: db.url,
      WORKERS: "2",
      WORKER_STOP_GRACE_S: String(GRACE_S),
      WEBHOOK_TIMEOUT_MS: "120000",
    });
    let again: Awaited<ReturnType<typeof spawnServer>> | null = null;
    let station: Station | null = null;
    try {
      await eventually(
        () => supervisor.logs.filter((l) => l.msg === "listening").length >= 2,
        30_000,
        "both workers listening",
      );
      const api = await adminApi(supervisor.url);
      const created = await api("/webhooks", {
        method: "POST",
        body: { url: `${receiver.url}/hook`, events: ["station.online"] },
      });
      assertEquals(created.status, 201, JSON.stringify(created.body));
      station = await connectStation(supervisor.wsUrl, "CP-DEADLINE-1");
      await eventually(() => receiver.received.length >= 1, 15_000, "the receiver holds the POST");
      const deliveryId = receiver.received[0]!.headers.get("x-csms-delivery");

      const startedAt = Date.now();
      supervisor.child.kill("SIGTERM");
      const status = await within(supervisor.child.status, 30_000, "the supervisor to exit");
      const tookMs = Date.now() - startedAt;
      assertEquals(status.code, 0);
      assertEquals(supervisor.logs.filter((l) => l.msg === "worker killed"), [], "no worker SIGKILLed");
      assert(tookMs < GRACE_S * 1000, `stopped in ${tookMs} ms`);
      const cut = supervisor.logs.filter((l) => l.msg === "shutdown deadline reached: waits cut short");
      assertEquals(cut.length, 1, "the worker waiting on the receiver says what it cut");
      assertEquals(cut[0]?.level, "warn");
      assertEquals(cut[0]?.webhookAttempts, 1);
      await closeStation(station);
      station = null;

      // The delivery was not lost: the cut attempt is in its log, and it is posted again and delivered.
      hang = false;
      again = await spawnServer({ ...SETTINGS, DATABASE_URL: db.url, WEBHOOK_TIMEOUT_MS: "2000" });
      const api2 = await adminApi(again.url);
      const delivered: Json = await eventually(
        async () => {
          const { body } = await api2("/webhook-deliveries?limit=10");
          const d = body.items.find((i: Json) => i.id === deliveryId);
          return d?.state === "delivered" ? d : null;
        },
        15_000,
        "the cut delivery delivered after the restart",
      );
      assertEquals(delivered.log.length, 2);
      assert(String(delivered.log[0].error).includes("the server stopped"), JSON.stringify(delivered.log[0]));
      assertEquals(receiver.requestsPerDelivery().get(deliveryId!), 2);
    } finally {
      if (station) await closeStation(station).catch(() => {});
      await supervisor.kill("SIGKILL");
      await again?.kill("SIGKILL");
      await receiver.close();
      await db.drop();
    }
  },
});

Deno.test("a station that never answers load management's SetChargingProfile does not hold up the stop", async () => {
  const server = await startApiServer({ CALL_TIMEOUT_MS: "20000" });
  let station: Station | null = null;
  let closed = false;
  try {
    const put = await server.json("/api/v1/sites/depot", {
      method: "PUT",
      body: { name: "Depot", maxCurrentA: 32, chargePointIds: ["CP-SILENT"] },
      as: "operator",
    });
    assertEquals(put.status, 201);
    const received = Promise.withResolvers<void>();
    station = await connectStation(server.wsUrl, "CP-SILENT", { boot: false });
    station.handle("SetChargingProfile", () => {
      received.resolve();
      return new Promise(() => {}); // Never answered: the division waits for it.
    });
    await station.call("BootNotification", { chargePointVendor: "Acme", chargePointModel: "Volt-1" });
    await within(received.promise, 10_000, "load management's TxDefaultProfile");
    const startedAt = Date.now();
    await server.close();
    closed = true;
    const tookMs = Date.now() - startedAt;
    assert(tookMs < 5000, `stopped in ${tookMs} ms (CALL_TIMEOUT_MS 20 s)`);
  } finally {
    if (station) await closeStation(station).catch(() => {});
    if (!closed) await server.close();
  }
});

Deno.test("a station that never answers the certificate renewal's trigger does not hold up the stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_shutdown_renewal_" });
  // Valid 1 day, renewed 2 days before expiry: due as soon as it is installed.
  const server = await startApiServer(
    {
      PKI_MIN_REISSUE_S: "0",
      PKI_CERT_VALIDITY_DAYS: "1",
      PKI_RENEW_BEFORE_DAYS: "2",
      CALL_TIMEOUT_MS: "20000",
    },
    { renewalIntervalMs: 200 },
  );
  let station: Station | null = null;
  let closed = false;
  try {
    const key = "shutdown-renewal-key-00001";
    const set = await server.json("/api/v1/station-security/CP-RENEW", {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: key },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    station = await connectSecurityStation(server.wsUrl, "CP-RENEW", { password: key });
    const triggered = Promise.withResolvers<void>();
    station.handle("CertificateSigned", () => ({ status: "Accepted" }));
    station.handle("ExtendedTriggerMessage", () => {
      triggered.resolve();
      return new Promise(() => {}); // Never answered: the renewal scan waits for it.
    });
    const { csr } = await makeCsr(dir, "/CN=CP-RENEW");
    assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
    await within(triggered.promise, 15_000, "the renewal's trigger");
    const startedAt = Date.now();
    await server.close();
    closed = true;
    const tookMs = Date.now() - startedAt;
    assert(tookMs < 5000, `stopped in ${tookMs} ms (CALL_TIMEOUT_MS 20 s)`);
  } finally {
    if (station) await closeStation(station).catch(() => {});
    if (!closed) await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

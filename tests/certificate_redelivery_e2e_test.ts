/**
 * A certificate whose CertificateSigned never got an answer (recorded `undelivered`: the connection closed with
 * it in flight, or a server died before recording the answer and the sweep settled it) is sent again, with the
 * same chain, when its station next boots: once, and only while it is still valid and the newest certificate
 * issued to the station. The answer is recorded as any delivery's (Accepted: it is the station's certificate).
 * A certificate the station rejected is never sent again; one whose second sending got no answer either is not
 * sent a third time. A strict `ocpp-rpc` station with the Security extension's schemas, Basic auth at profile 1.
 */
import { assert, assertEquals } from "@std/assert";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";

type Json = Record<string, unknown>;

const KEY = "certificate-redelivery-key-01";

async function withServer(fn: (server: ApiTestServer, dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "certcheck_redelivery_" });
  const server = await startApiServer({ PKI_MIN_REISSUE_S: "0", CALL_TIMEOUT_MS: "500" });
  try {
    await fn(server, dir);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function certificates(server: ApiTestServer, id: string): Promise<Json[]> {
  return (await server.json(`/api/v1/pki/certificates?chargePointId=${id}`, { as: "viewer" })).body.items;
}

/** The station's newest certificate once its delivery is `delivery`. */
function settledAs(server: ApiTestServer, id: string, delivery: string): Promise<Json> {
  return eventually(
    async () => {
      const [newest] = await certificates(server, id);
      return newest?.delivery === delivery ? newest : null;
    },
    15_000,
    `the certificate of ${id} ${delivery}`,
  ) as Promise<Json>;
}

/**
 * Connects `id` with `certificateSigned` answering CertificateSigned (its chains are pushed on `received`),
 * then boots it.
 */
async function connect(
  server: ApiTestServer,
  id: string,
  certificateSigned: (station: Station) => unknown,
  received: string[] = [],
): Promise<Station> {
  const station = await connectSecurityStation(server.wsUrl, id, { password: KEY, boot: false });
  station.handle("CertificateSigned", ({ params }: { params: { certificateChain: string } }) => {
    received.push(params.certificateChain);
    return certificateSigned(station);
  });
  const booted = await station.call("BootNotification", {
    chargePointVendor: "Acme",
    chargePointModel: "Volt-1",
  });
  assertEquals(booted.status, "Accepted");
  return station;
}

/** A station `id` enrolled once; its CertificateSigned meets `first`. Resolves with the certificate settled. */
async function enrolled(
  server: ApiTestServer,
  dir: string,
  id: string,
  first: (station: Station) => unknown,
  delivery: string,
  received: string[],
) {
  const set = await server.json(`/api/v1/station-security/${id}`, {
    method: "PATCH",
    body: { securityProfile: 1, authorizationKey: KEY },
  });
  assertEquals(set.status, 200, JSON.stringify(set.body));
  const station = await connect(server, id, first, received);
  const { csr } = await makeCsr(dir, `/CN=${id}`);
  assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
  const certificate = await settledAs(server, id, delivery);
  await closeStation(station);
  await eventually(() => !server.registry.isConnected(id), 5000, `${id} closed`);
  return certificate;
}

/** The station gone as CertificateSigned comes: never answered. */
const vanish = (station: Station) => {
  void closeStation(station);
  return new Promise(() => {});
};

/** Connects and boots `id` again; how many CertificateSigned it got within `ms` (then closed). */
async function bootAndCount(server: ApiTestServer, id: string, answer: () => unknown, ms = 1_500) {
  const received: string[] = [];
  const station = await connect(server, id, answer, received);
  await new Promise((r) => setTimeout(r, ms));
  await closeStation(station);
  await eventually(() => !server.registry.isConnected(id), 5000, `${id} closed`);
  return received;
}

Deno.test("an undelivered certificate is sent again, same chain, when its station boots; accepted, it is the station's", async () => {
  await withServer(async (server, dir) => {
    const first: string[] = [];
    const lost = await enrolled(server, dir, "CP-RD-LOST", vanish, "undelivered", first);
    assertEquals(lost.redeliveredAt, null);

    const again: string[] = [];
    const station = await connect(server, "CP-RD-LOST", () => ({ status: "Accepted" }), again);
    try {
      const installed = await settledAs(server, "CP-RD-LOST", "accepted");
      assertEquals(installed.serialNumber, lost.serialNumber);
      assertEquals(installed.current, true);
      assert(installed.redeliveredAt !== null, JSON.stringify(installed));
      assertEquals(again, first, "the same chain");
    } finally {
      await closeStation(station);
    }
    await eventually(() => !server.registry.isConnected("CP-RD-LOST"), 5000, "closed");
    // Delivered now: the next boot sends nothing.
    assertEquals(await bootAndCount(server, "CP-RD-LOST", () => ({ status: "Accepted" })), []);
    await server.security.events.flush();
    const events = await server.json("/api/v1/security-events?chargePointId=CP-RD-LOST", { as: "operator" });
    assert(
      events.body.items.some((e: Json) =>
        e.kind === "certificate_installed" && String(e.reason).includes(lost.serialNumber as string)
      ),
      JSON.stringify(events.body.items),
    );
  });
});

Deno.test("a certificate the station rejected is never sent again; an unanswered second sending is the last", async () => {
  await withServer(async (server, dir) => {
    await enrolled(server, dir, "CP-RD-NO", () => ({ status: "Rejected" }), "rejected", []);
    assertEquals(
      await bootAndCount(server, "CP-RD-NO", () => ({ status: "Accepted" })),
      [],
      "its word stands",
    );

    const lost = await enrolled(server, dir, "CP-RD-MUTE", vanish, "undelivered", []);
    // Booted again, it gets it once more and again answers nothing (the call times out).
    const second = await bootAndCount(server, "CP-RD-MUTE", () => new Promise(() => {}), 2_000);
    assertEquals(second.length, 1);
    const after = (await certificates(server, "CP-RD-MUTE"))[0]!;
    assertEquals([after.serialNumber, after.delivery], [lost.serialNumber, "undelivered"]);
    assert(after.redeliveredAt !== null, JSON.stringify(after));
    // Not a third time, however often it boots.
    assertEquals(await bootAndCount(server, "CP-RD-MUTE", () => ({ status: "Accepted" })), []);
    assertEquals(await bootAndCount(server, "CP-RD-MUTE", () => ({ status: "Accepted" })), []);
  });
});

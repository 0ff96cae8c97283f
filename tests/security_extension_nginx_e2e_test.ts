/**
 * Security profile 3 with a certificate our own CA issued: a station gets its certificate through
 * SignCertificate/CertificateSigned, nginx (README's profile 2/3 block, as documented) verifies client
 * certificates against the CA from GET /api/v1/pki/ca (`ssl_verify_client optional`), and the station then connects
 * through it as profile 3. A
 * certificate from another CA and one for another charge point id get nowhere.
 */
import { assert, assertEquals } from "@std/assert";
import { hashAuthorizationKey } from "../security/station_gate.ts";
import { freePort, ignoreWithoutNginx, readmeServerBlock, startNginx } from "./helpers/nginx.ts";
import { makeCsr } from "./helpers/openssl.ts";
import { attempt } from "./helpers/secure_station.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { startApiServer } from "./helpers/api.ts";
import { eventually, startTestServer } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { makePki } from "./helpers/tls.ts";

const ignore = await ignoreWithoutNginx();

/**
 * README's profile 2/3 block as documented, on `port`, in front of `server`, with nginx's own certificate from
 * `tls` and our PKI's CA (fetched into `dir`) as its station CA.
 */
async function readmeProfileBlock(
  server: { url: string; port: number },
  tls: { serverCert: string; serverKey: string },
  dir: string,
  port: number,
): Promise<{ block: string; caPath: string }> {
  const caPath = `${dir}/station-ca.pem`;
  await Deno.writeTextFile(caPath, await (await fetch(`${server.url}/api/v1/pki/ca`)).text());
  const block = (await readmeServerBlock(1))
    .replace("listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`)
    .replace("/path/to/cert.pem", tls.serverCert)
    .replace("/path/to/key.pem", tls.serverKey)
    .replace("/path/to/station-ca.pem", caPath)
    .replace("proxy_pass http://localhost:3001;", `proxy_pass http://127.0.0.1:${server.port};`);
  return { block, caPath };
}

/** SignCertificate as a station does it: its key stays with it, the chain comes back in CertificateSigned. */
async function enrol(station: Station, dir: string, cn: string): Promise<{ cert: string; key: string }> {
  const { csr, keyPath } = await makeCsr(dir, `/CN=${cn}`);
  const chain = new Promise<string>((resolve) =>
    station.handle("CertificateSigned", ({ params }) => {
      resolve(params.certificateChain);
      return { status: "Accepted" };
    })
  );
  assertEquals(await station.call("SignCertificate", { csr }), { status: "Accepted" });
  return { cert: await chain, key: await Deno.readTextFile(keyPath) };
}

Deno.test({
  name:
    "a certificate from SignCertificate connects through nginx verifying client certificates as profile 3",
  ignore,
  async fn() {
    const tls = await makePki(); // nginx's own server certificate
    const dir = await Deno.makeTempDir({ prefix: "csms_p3_" });
    // Renewed seconds after the first: no wait between certificates here.
    const server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.1", PKI_MIN_REISSUE_S: "0" });
    const port = await freePort();
    let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
    try {
      // Enrol at profile 1 (Basic auth: an unauthenticated connection gets no certificate), as a station would
      // at commissioning, before it is moved to profile 3.
      const enrolKey = "commissioning-key-0001";
      await server.security.store.put({
        chargePointId: "CP-P3",
        securityProfile: 1,
        authorizationKeyHash: await hashAuthorizationKey(enrolKey),
        allowedIps: [],
        updatedBy: "test",
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      });
      const enrolling = await connectSecurityStation(server.wsUrl, "CP-P3", { password: enrolKey });
      const issued = await enrol(enrolling, dir, "CP-P3");
      await closeStation(enrolling);

      const { block, caPath } = await readmeProfileBlock(server, tls, dir, port);
      assert(
        block.includes(caPath) && block.includes("ssl_verify_client optional;"),
        "README block changed shape",
      );
      nginx = await startNginx(block, [port]);
      const at = new Date().toISOString();
      for (const id of ["CP-P3", "CP-P3-OTHER"]) {
        await server.security.store.put({
          chargePointId: id,
          securityProfile: 3,
          authorizationKeyHash: await hashAuthorizationKey("unused-for-profile-3-key"),
          allowedIps: [],
          updatedBy: "test",
          createdAt: at,
          updatedAt: at,
        });
      }
      const wss = `wss://127.0.0.1:${port}/ocpp`;
      const station = await connectSecurityStation(wss, "CP-P3", {
        wsOpts: { ca: tls.caPem, cert: issued.cert, key: issued.key },
      });
      try {
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
        // Authenticated by its certificate, it renews it as a station does before expiry.
        const renewed = await enrol(station, dir, "CP-P3");
        assert(renewed.cert !== issued.cert);
      } finally {
        await closeStation(station);
      }
      // Profile 3 without going through nginx's check: refused.
      const direct = await attempt(`${server.wsUrl}/CP-P3`);
      assert(!direct.open && direct.status >= 400, "profile 3 straight to the server is refused");
      // Our certificate for CP-P3 cannot act as CP-P3-OTHER.
      const impostor = await attempt(`${wss}/CP-P3-OTHER`, {
        ca: tls.caPem,
        cert: issued.cert,
        key: issued.key,
      });
      assert(!impostor.open, "another id with CP-P3's certificate is refused");
      // A certificate from another CA: nginx refuses it (400).
      const foreign = await tls.client("CP-P3");
      const stranger = await attempt(`${wss}/CP-P3`, { ca: tls.caPem, cert: foreign.cert, key: foreign.key });
      assertEquals(stranger.open ? 101 : stranger.status, 400);
    } finally {
      await nginx?.close();
      await server.close();
      await tls.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "through README's profile 2/3 nginx block, a profile 2 station enrols, is raised to 3 (A05) and then " +
    "gets in only with its certificate",
  ignore,
  async fn() {
    const tls = await makePki();
    const dir = await Deno.makeTempDir({ prefix: "csms_raise3_" });
    const server = await startApiServer({ TRUSTED_PROXIES: "127.0.0.1" });
    const port = await freePort();
    let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
    try {
      const key = "profile-two-key-0001";
      const patched = await server.json("/api/v1/station-security/CP-R3", {
        method: "PATCH",
        body: { securityProfile: 2, authorizationKey: key },
      });
      assertEquals(patched.status, 200, JSON.stringify(patched.body));
      nginx = await startNginx((await readmeProfileBlock(server, tls, dir, port)).block, [port]);
      const wss = `wss://127.0.0.1:${port}/ocpp`;

      // Profile 2 through the block: TLS and its key, no client certificate yet.
      const station = await connectSecurityStation(wss, "CP-R3", {
        password: key,
        wsOpts: { ca: tls.caPem },
      });
      let issued: { cert: string; key: string };
      try {
        issued = await enrol(station, dir, "CP-R3");
        // Its acceptance recorded (after the answer): a raise to 3 needs a certificate it installed.
        await eventually(
          async () =>
            (await server.json("/api/v1/pki/certificates?chargePointId=CP-R3")).body.current !== null,
          10_000,
          "the certificate current",
        );
        station.handle("ChangeConfiguration", () => ({ status: "Accepted" }));
        const raised = await server.json("/api/v1/charge-points/CP-R3/ChangeConfiguration", {
          method: "POST",
          body: { key: "SecurityProfile", value: "3" },
        });
        assertEquals([raised.status, raised.body.status], [200, "Accepted"], JSON.stringify(raised.body));
      } finally {
        await closeStation(station);
      }
      await eventually(() => !server.registry.isConnected("CP-R3"), 5000, "the station closed");

      const withCertificate = await connectSecurityStation(wss, "CP-R3", {
        wsOpts: { ca: tls.caPem, cert: issued.cert, key: issued.key },
      });
      try {
        assertEquals(typeof (await withCertificate.call("Heartbeat", {})).currentTime, "string");
      } finally {
        await closeStation(withCertificate);
      }
      const after = await server.json("/api/v1/station-security/CP-R3");
      assertEquals(
        [after.body.securityProfile, after.body.pendingSecurityProfile],
        [3, null],
        JSON.stringify(after.body),
      );
      // Its key alone, over TLS without the certificate (profile 2), no longer gets in.
      const keyOnly = await attempt(`${wss}/CP-R3`, {
        ca: tls.caPem,
        headers: { authorization: `Basic ${btoa(`CP-R3:${key}`)}` },
      });
      assertEquals(keyOnly.open ? 101 : keyOnly.status, 403);
    } finally {
      await nginx?.close();
      await server.close();
      await tls.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

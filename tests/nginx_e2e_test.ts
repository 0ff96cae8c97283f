/**
 * The documented deployment, for real: Debian nginx (a child process with its own prefix, on free ports, with
 * certificates from a throwaway CA made by openssl) in front of the server, and strict `ocpp-rpc` stations
 * connecting over wss.
 *
 * - README.md's nginx `server` block, verbatim apart from ports and file paths, with Basic auth (profile 1); the
 *   station connects from 127.0.0.2 and the server must see that address (X-Real-IP from a trusted proxy);
 * - profile 2 behind nginx, which says https in X-Forwarded-Proto;
 * - profile 3: nginx verifies client certificates (`ssl_verify_client on`) and passes the verdict and subject
 *   DN in headers the server believes only from TRUSTED_PROXIES; the CN must be the charge point id.
 *
 * Ignored with a reason only when nginx (or openssl) is missing and CI is not "true".
 */
import { assert, assertEquals, assertRejects } from "@std/assert";
import { freePort, ignoreWithoutNginx, readmeServerBlock, startNginx } from "./helpers/nginx.ts";
import { attempt, connectSecureStation } from "./helpers/secure_station.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { closeStation } from "./helpers/station.ts";
import { makePki } from "./helpers/tls.ts";
import { hashAuthorizationKey } from "../security/station_gate.ts";
import type { SecurityProfile } from "../store/station_security.ts";

const ignore = await ignoreWithoutNginx();
const KEY = "nginx-station-authorization-key";
/** Stations connect from this loopback address, so their address differs from nginx's (127.0.0.1). */
const STATION_ADDRESS = "127.0.0.2";

async function configure(server: TestServer, id: string, profile: SecurityProfile, key: string | null) {
  const at = new Date().toISOString();
  await server.security.store.put({
    chargePointId: id,
    securityProfile: profile,
    authorizationKeyHash: key === null ? null : await hashAuthorizationKey(key),
    allowedIps: [],
    updatedBy: "test",
    createdAt: at,
    updatedAt: at,
  });
}

/** The README block with our port, certificate paths and upstream; everything else as documented. */
function adapt(
  block: string,
  o: { port: number; cert: string; key: string; upstream: number; extra?: string },
) {
  const out = block
    .replace("listen 443 ssl;", `listen 127.0.0.1:${o.port} ssl;`)
    .replace("/path/to/cert.pem", o.cert)
    .replace("/path/to/key.pem", o.key)
    .replace("proxy_pass http://localhost:3001;", `proxy_pass http://127.0.0.1:${o.upstream};`);
  assert(
    out.includes(`127.0.0.1:${o.port}`) && out.includes(`127.0.0.1:${o.upstream}`),
    "README block changed shape",
  );
  return o.extra ? out.replace("ssl_certificate_key", `${o.extra}\n    ssl_certificate_key`) : out;
}

Deno.test({
  name: "the README's nginx wss example carries a strict station with Basic auth (profile 1) to the server",
  ignore,
  async fn() {
    const pki = await makePki();
    const server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.1" });
    const port = await freePort();
    const nginx = await startNginx(
      adapt(await readmeServerBlock(), {
        port,
        cert: pki.serverCert,
        key: pki.serverKey,
        upstream: server.port,
      }),
      [port],
    ).catch(async (e) => {
      await server.close();
      await pki.remove();
      throw e;
    });
    try {
      await configure(server, "CP-NGX1", 1, KEY);
      const wss = `wss://127.0.0.1:${port}/ocpp`;
      // The station connects from 127.0.0.2; nginx reaches the server from 127.0.0.1. Only X-Real-IP (the one
      // proxy header the README block sets) can tell the server about 127.0.0.2.
      const station = await connectSecureStation(wss, "CP-NGX1", {
        password: KEY,
        wsOpts: { ca: pki.caPem, localAddress: STATION_ADDRESS },
      });
      try {
        assertEquals(typeof (await station.call("Heartbeat", {})).currentTime, "string");
        assertEquals(
          (await server.registry.call("CP-NGX1", "ClearCache", {}).catch((e) => e))?.constructor?.name,
          "CallErrorResponse",
        );
      } finally {
        await closeStation(station);
      }
      const opened = server.logs.filter((l) =>
        l.msg === "connection opened" && l.chargePointId === "CP-NGX1"
      );
      assertEquals(opened.map((l) => l.remoteAddress), [STATION_ADDRESS]);
      const wrong = await attempt(`${wss}/CP-NGX1`, {
        ca: pki.caPem,
        localAddress: STATION_ADDRESS,
        headers: { authorization: `Basic ${btoa("CP-NGX1:not-the-right-key")}` },
      });
      assertEquals(wrong.open ? 101 : wrong.status, 401);
      assert(!JSON.stringify(server.logs).includes(KEY));
      assertEquals(server.handshakes.list(1).map((h) => [h.chargePointId, h.remoteAddress, h.status]), [
        ["CP-NGX1", STATION_ADDRESS, 401],
      ]);
      // Straight to the server, the same header is a claim from an untrusted peer: the peer's address counts.
      const forged = await attempt(`${server.wsUrl}/CP-NGX1`, {
        localAddress: STATION_ADDRESS,
        headers: { "x-real-ip": "203.0.113.7", authorization: `Basic ${btoa("CP-NGX1:not-the-right-key")}` },
      });
      assertEquals(forged.open ? 101 : forged.status, 401);
      assertEquals(server.handshakes.list(1).map((h) => h.remoteAddress), [STATION_ADDRESS]);
    } finally {
      await nginx.close();
      await server.close();
      await pki.remove();
    }
  },
});

Deno.test({
  name:
    "behind nginx: profile 2 via X-Forwarded-Proto, profile 3 with a client certificate signed by the test CA",
  ignore,
  async fn() {
    const pki = await makePki();
    const server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.1" });
    const [tlsPort, mtlsPort] = [await freePort(), await freePort()];
    const proxy = `
    location /ocpp/ {
        proxy_pass http://127.0.0.1:${server.port};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-SSL-Client-Verify $ssl_client_verify;
        proxy_set_header X-SSL-Client-S-DN $ssl_client_s_dn;
    }`;
    const nginx = await startNginx(
      `
server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
${proxy}
}
server {
    listen 127.0.0.1:${mtlsPort} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
${proxy}
}`,
      [tlsPort, mtlsPort],
    ).catch(async (e) => {
      await server.close();
      await pki.remove();
      throw e;
    });
    try {
      await configure(server, "CP-NGX2", 2, KEY);
      await configure(server, "CP-NGX3", 3, null);
      const tls = `wss://127.0.0.1:${tlsPort}/ocpp`;
      const mtls = `wss://127.0.0.1:${mtlsPort}/ocpp`;

      const p2 = await connectSecureStation(tls, "CP-NGX2", { password: KEY, wsOpts: { ca: pki.caPem } });
      assertEquals(typeof (await p2.call("Heartbeat", {})).currentTime, "string");
      await closeStation(p2);
      // The same station straight to the server, over plain ws, is refused.
      const plain = await attempt(`${server.wsUrl}/CP-NGX2`, {
        headers: { authorization: `Basic ${btoa(`CP-NGX2:${KEY}`)}` },
      });
      assertEquals(plain.open ? 101 : plain.status, 403);

      const own = await pki.client("CP-NGX3");
      const p3 = await connectSecureStation(mtls, "CP-NGX3", {
        wsOpts: { ca: pki.caPem, cert: own.cert, key: own.key },
      });
      assertEquals(typeof (await p3.call("Heartbeat", {})).currentTime, "string");
      await closeStation(p3);

      // Someone else's valid certificate: nginx accepts it, the server refuses the CN.
      const other = await pki.client("CP-SOMEONE-ELSE");
      const wrongCn = await attempt(`${mtls}/CP-NGX3`, { ca: pki.caPem, cert: other.cert, key: other.key });
      assertEquals(wrongCn.open ? 101 : wrongCn.status, 403);
      // No certificate at all: nginx itself refuses (400), the server never sees it.
      const noCert = await attempt(`${mtls}/CP-NGX3`, { ca: pki.caPem });
      assertEquals(noCert.open ? 101 : noCert.status, 400);
      // Profile 3 over the proxy that does not ask for certificates: no verdict, refused.
      const unverified = await attempt(`${tls}/CP-NGX3`, { ca: pki.caPem });
      assertEquals(unverified.open ? 101 : unverified.status, 403);

      const kinds = server.security.events.list().map((e) => e.kind);
      assert(kinds.includes("certificate_accepted"));
      assertEquals(kinds.filter((k) => k === "certificate_rejected").length, 2);
      await assertRejects(() =>
        connectSecureStation(mtls, "CP-NGX3", { wsOpts: { ca: pki.caPem, cert: other.cert, key: other.key } })
      );
    } finally {
      await nginx.close();
      await server.close();
      await pki.remove();
    }
  },
});

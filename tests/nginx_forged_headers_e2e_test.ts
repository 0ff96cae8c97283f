/**
 * Issue 10 item 8, as an attacker would try it through the documented proxy: every ```nginx block of the
 * README, run by Debian's nginx in front of a server that trusts it (TRUSTED_PROXIES=127.0.0.1), while the
 * client forges the headers the server believes from that proxy: X-Forwarded-For / X-Real-IP (to pass an
 * allow-list), X-Forwarded-Proto (to pass profile 2's TLS check without TLS) and the client-certificate
 * verdict and subject (to pass profile 3 without the certificate). None of them may get through: every block
 * overwrites them. The blocks are taken from README.md itself, changed only in ports, paths and upstream.
 */
import { assert, assertEquals } from "@std/assert";
import { freePort, ignoreWithoutNginx, startNginx } from "./helpers/nginx.ts";
import { attempt, basic } from "./helpers/secure_station.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { makePki, type TestPki } from "./helpers/tls.ts";
import { hashAuthorizationKey } from "../security/station_gate.ts";
import type { SecurityProfile } from "../store/station_security.ts";

const ignore = await ignoreWithoutNginx();
const KEY = "forged-headers-station-key-01";
const FORGED_IP = "198.51.100.7";

/** Every ```nginx block of README.md, in order. */
async function readmeNginxBlocks(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  return [...readme.matchAll(/```nginx\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

async function configure(
  server: TestServer,
  id: string,
  profile: SecurityProfile,
  allowedIps: string[] = [],
) {
  const at = new Date().toISOString();
  await server.security.store.put({
    chargePointId: id,
    securityProfile: profile,
    authorizationKeyHash: profile === 1 || profile === 2 ? await hashAuthorizationKey(KEY) : null,
    allowedIps,
    updatedBy: "test",
    createdAt: at,
    updatedAt: at,
  });
}

/** A README block on our ports and files; `plain` serves it without TLS (someone who drops `ssl`). */
function adapt(block: string, o: { port: number; upstream: number; pki: TestPki; plain?: boolean }): string {
  let out = block
    .replace(/listen 443 ssl;/, o.plain ? `listen 127.0.0.1:${o.port};` : `listen 127.0.0.1:${o.port} ssl;`)
    .replace("proxy_pass http://localhost:3001;", `proxy_pass http://127.0.0.1:${o.upstream};`)
    // The cluster block's upstream of machines: all of them here.
    .replaceAll(/server 10\.0\.0\.\d+:3001;/g, `server 127.0.0.1:${o.upstream};`)
    .replace("/path/to/cert.pem", o.pki.serverCert)
    .replace("/path/to/key.pem", o.pki.serverKey)
    .replace("/path/to/station-ca.pem", o.pki.caCert);
  if (o.plain) out = out.split("\n").filter((l) => !/^\s*ssl_/.test(l)).join("\n");
  assert(
    out.includes(`127.0.0.1:${o.port}`) && out.includes(`127.0.0.1:${o.upstream}`),
    "README block changed shape",
  );
  return out;
}

Deno.test("every README nginx location overwrites the forwarded and client-certificate headers", async () => {
  const blocks = await readmeNginxBlocks();
  assert(blocks.length >= 2);
  for (const block of blocks) {
    const locations = block.split(/\n\s*location /).slice(1);
    assert(locations.length >= 1);
    for (const location of locations) {
      for (
        const wanted of [
          /proxy_set_header X-Real-IP \$remote_addr;/,
          /proxy_set_header X-Forwarded-For \$remote_addr;/,
          /proxy_set_header X-Forwarded-Proto \$scheme;/,
          /proxy_set_header X-SSL-Client-Verify (\$ssl_client_verify|"");/,
          /proxy_set_header X-SSL-Client-S-DN (\$ssl_client_s_dn|"");/,
          /proxy_set_header X-SSL-Client-Cert (\$ssl_client_escaped_cert|"");/,
        ]
      ) {
        assert(wanted.test(location), `a README nginx location lacks ${wanted.source}:\n${location}`);
      }
    }
  }
});

Deno.test({
  name:
    "through each README nginx block, forged X-Forwarded-For, X-Forwarded-Proto and certificate headers are not believed",
  ignore,
  async fn() {
    const blocks = await readmeNginxBlocks();
    const pki = await makePki();
    const server = await startTestServer({ TRUSTED_PROXIES: "127.0.0.1" });
    try {
      // Only the forged address is allowed; the right key, so only the address can refuse it.
      await configure(server, "CP-FENCED", 1, [FORGED_IP]);
      await configure(server, "CP-TLS", 2);
      await configure(server, "CP-CERT", 3);
      const someoneElse = await pki.client("CP-SOMEONE-ELSE");
      const forgedCert = { "x-ssl-client-verify": "SUCCESS", "x-ssl-client-s-dn": "CN=CP-CERT,O=Acme" };
      const forgedAddress = { "x-forwarded-for": FORGED_IP, "x-real-ip": FORGED_IP };

      for (const [index, block] of blocks.entries()) {
        for (const plain of [false, true]) {
          const port = freePort();
          const nginx = await startNginx(adapt(block, { port, upstream: server.port, pki, plain }), [port]);
          try {
            const base = `${plain ? "ws" : "wss"}://127.0.0.1:${port}/ocpp`;
            const verifies = !plain && block.includes("ssl_verify_client");
            // Where nginx verifies client certificates, the attacker may hold a valid one (another station's)
            // and forge the headers for CP-CERT; certificate headers are also forged with none at all.
            const tls = plain
              ? {}
              : { ca: pki.caPem, ...(verifies ? { cert: someoneElse.cert, key: someoneElse.key } : {}) };
            const what = `block ${index + 1}${plain ? " without TLS" : ""}`;
            const status = async (id: string, headers: Record<string, string>, options = tls) => {
              const a = await attempt(`${base}/${id}`, { ...options, headers });
              if (a.open) await a.close();
              return a.open ? 101 : a.status;
            };
            if (verifies && !block.includes("ssl_verify_client on")) {
              assertEquals(
                await status("CP-CERT", forgedCert, { ca: pki.caPem }),
                403,
                `${what}: certificate headers without a certificate`,
              );
            }
            assertEquals(
              await status("CP-FENCED", { ...basic("CP-FENCED", KEY), ...forgedAddress }),
              403,
              `${what}: X-Forwarded-For`,
            );
            if (plain) {
              assertEquals(
                await status("CP-TLS", { ...basic("CP-TLS", KEY), "x-forwarded-proto": "https" }),
                403,
                `${what}: X-Forwarded-Proto`,
              );
            }
            assertEquals(
              await status("CP-CERT", { ...forgedCert, ...(plain ? { "x-forwarded-proto": "https" } : {}) }),
              403,
              `${what}: certificate headers`,
            );
          } finally {
            await nginx.close();
          }
        }
      }
      // The server saw the proxy's real client, 127.0.0.1, in every refusal: never the forged address.
      const refusals = server.security.events.list().filter((e) => e.status === 403);
      assert(refusals.length >= blocks.length * 2);
      assert(refusals.every((e) => e.remoteAddress === "127.0.0.1"), JSON.stringify(refusals));
      assert(!refusals.some((e) => e.reason.includes("CP-CERT") && e.kind === "certificate_accepted"));
      assertEquals(server.security.events.list({ kinds: ["certificate_accepted"] }), []);
    } finally {
      await server.close();
      await pki.remove();
    }
  },
});

/**
 * A certificate whose acceptance was never recorded (the station answered CertificateSigned but the answer was
 * lost, or the process died with the write of Accepted failing) is recovered when the station connects with it
 * at security profile 3: nginx (README's profile 2/3 block) verifies the client certificate and forwards it
 * (`$ssl_client_escaped_cert`), and the server records a certificate we issued to that station, pending or
 * undelivered, as installed: its current certificate, with a `certificate_installed` security event. A
 * certificate we did not issue to it (another CA nginx also trusts, same CN, the serial of its pending
 * certificate) changes nothing.
 */
import { assert, assertEquals } from "@std/assert";
import { hashAuthorizationKey } from "../security/station_gate.ts";
import { startApiServer } from "./helpers/api.ts";
import { freePort, ignoreWithoutNginx, readmeServerBlock, startNginx } from "./helpers/nginx.ts";
import { makeCsr, openssl } from "./helpers/openssl.ts";
import { connectSecurityStation } from "./helpers/security_station.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, type Station } from "./helpers/station.ts";
import { makePki } from "./helpers/tls.ts";

const ignore = await ignoreWithoutNginx();

Deno.test({
  name:
    "profile 3: a pending or undelivered certificate becomes current when its station connects with it; another CA's certificate with its serial changes nothing",
  ignore,
  async fn() {
    const tls = await makePki(); // nginx's server certificate, and the "other CA" nginx also trusts
    const dir = await Deno.makeTempDir({ prefix: "pkifix_presented_" });
    const server = await startApiServer({ TRUSTED_PROXIES: "127.0.0.1", PKI_MIN_REISSUE_S: "0" });
    const port = freePort();
    let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
    const stations: Station[] = [];
    try {
      const setProfile = async (id: string, securityProfile: 1 | 3, key: string) => {
        const at = new Date().toISOString();
        await server.security.store.put({
          chargePointId: id,
          securityProfile,
          authorizationKeyHash: await hashAuthorizationKey(key),
          allowedIps: [],
          updatedBy: "test",
          createdAt: at,
          updatedAt: at,
        });
      };
      const certificates = async (id: string) =>
        (await server.json(`/api/v1/pki/certificates?chargePointId=${id}`, { as: "viewer" })).body;

      // CP-LOST enrols at profile 1, installs the certificate, and its Accepted never arrives (it drops).
      const enrolKey = "commissioning-key-0001";
      await setProfile("CP-LOST", 1, enrolKey);
      const enrolling = await connectSecurityStation(server.wsUrl, "CP-LOST", { password: enrolKey });
      stations.push(enrolling);
      const { csr, keyPath } = await makeCsr(dir, "/CN=CP-LOST");
      const chain = new Promise<string>((resolve) =>
        enrolling.handle("CertificateSigned", ({ params }) => {
          resolve(params.certificateChain);
          void closeStation(enrolling);
          return new Promise(() => {}); // installed, but the answer never goes out
        })
      );
      assertEquals(await enrolling.call("SignCertificate", { csr }), { status: "Accepted" });
      const lost = { cert: await chain, key: await Deno.readTextFile(keyPath) };
      await eventually(
        async () => (await certificates("CP-LOST")).items[0]?.delivery === "undelivered",
        10_000,
        "the delivery recorded undelivered",
      );
      assertEquals((await certificates("CP-LOST")).current, null);

      // CP-PENDING: signed and sent, and the process died before any outcome was written (still pending).
      const pendingCsr = await makeCsr(dir, "/CN=CP-PENDING");
      const signed = await server.extension.pki.signCertificate("CP-PENDING", pendingCsr.csr);
      assert(signed.ok);
      const pending = { cert: signed.chain, key: await Deno.readTextFile(pendingCsr.keyPath) };

      // CP-VICTIM has a pending certificate of ours; an attacker holds another CA's certificate for its CN with
      // the same serial number.
      const victimCsr = await makeCsr(dir, "/CN=CP-VICTIM");
      const victim = await server.extension.pki.signCertificate("CP-VICTIM", victimCsr.csr);
      assert(victim.ok);
      const forged = await otherCaCertificate(tls.dir, "CP-VICTIM", victim.certificate.serialNumber);

      // nginx as README documents it, trusting our CA and the other one (a manufacturer's CA, say).
      const caPath = `${dir}/station-ca.pem`;
      const ours = await (await fetch(`${server.url}/api/v1/pki/ca`)).text();
      await Deno.writeTextFile(caPath, ours + tls.caPem);
      const block = (await readmeServerBlock(1))
        .replace("listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`)
        .replace("/path/to/cert.pem", tls.serverCert)
        .replace("/path/to/key.pem", tls.serverKey)
        .replace("/path/to/station-ca.pem", caPath)
        .replace("proxy_pass http://localhost:3001;", `proxy_pass http://127.0.0.1:${server.port};`);
      assert(block.includes("$ssl_client_escaped_cert"), "README block forwards the client certificate");
      nginx = await startNginx(block, [port]);
      for (const id of ["CP-LOST", "CP-PENDING", "CP-VICTIM"]) {
        await setProfile(id, 3, "unused-for-profile-3");
      }
      const wss = `wss://127.0.0.1:${port}/ocpp`;
      const connect = async (id: string, client: { cert: string; key: string }) => {
        const station = await connectSecurityStation(wss, id, {
          wsOpts: { ca: tls.caPem, cert: client.cert, key: client.key },
        });
        stations.push(station);
        return station;
      };

      // The attacker gets in (nginx and the CN accept it) but its certificate is not the one we issued.
      await connect("CP-VICTIM", forged);
      // The two stations with our certificates connect.
      await connect("CP-LOST", lost);
      await connect("CP-PENDING", pending);
      for (const id of ["CP-LOST", "CP-PENDING"]) {
        await eventually(async () => (await certificates(id)).current !== null, 5_000, `${id}'s current`);
        const { current, items } = await certificates(id);
        assertEquals([current.serialNumber, current.delivery], [items[0].serialNumber, "accepted"]);
        assertEquals(items.length, 1);
      }
      const events = await server.json("/api/v1/security-events?kind=certificate_installed", {
        as: "operator",
      });
      const installed = events.body.items.map((e: { chargePointId: string }) => e.chargePointId).sort();
      assertEquals(installed, ["CP-LOST", "CP-PENDING"]);
      // By now the attacker's connection was checked too (it came first): nothing changed for CP-VICTIM.
      const victimNow = await certificates("CP-VICTIM");
      assertEquals(victimNow.current, null);
      assertEquals(victimNow.items.map((c: { delivery: string }) => c.delivery), ["pending"]);
      assert(
        server.logs.some((l) =>
          l.msg === "client certificate carries the serial of one we issued but is not that certificate" &&
          l.chargePointId === "CP-VICTIM"
        ),
        "the forged certificate is logged",
      );
    } finally {
      for (const station of stations) await closeStation(station).catch(() => {});
      await nginx?.close();
      await server.close();
      await tls.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A client certificate for `cn` from the test PKI's CA (not ours), with serial `serialHex`. */
async function otherCaCertificate(
  dir: string,
  cn: string,
  serialHex: string,
): Promise<{ cert: string; key: string }> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl(["req", ...ec, "-keyout", "forged.key", "-out", "forged.csr", "-subj", `/CN=${cn}`], dir);
  await Deno.writeTextFile(`${dir}/forged.ext`, "extendedKeyUsage=clientAuth\n");
  await openssl([
    "x509",
    "-req",
    "-in",
    "forged.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-set_serial",
    `0x${serialHex}`,
    "-out",
    "forged.pem",
    "-days",
    "2",
    "-extfile",
    "forged.ext",
  ], dir);
  return {
    cert: await Deno.readTextFile(`${dir}/forged.pem`),
    key: await Deno.readTextFile(`${dir}/forged.key`),
  };
}

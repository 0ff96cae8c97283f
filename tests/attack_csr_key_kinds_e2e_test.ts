/**
 * SignCertificate with keys of kinds a station's firmware may pick (`openssl req`), on a raw 1.6 socket at
 * security profile 1: each is answered Rejected, and the csr_rejected security event must say why truly. A
 * 2048-bit RSA-PSS key (its own OID, whose size the X.509 library does not report) was refused as "Key RSA ?
 * is too small: RSA keys need at least 2048 bits", which sends an operator after the wrong fix.
 */
import { assert, assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { type KeySpec, makeCsr } from "./helpers/openssl.ts";
import { openRaw } from "./helpers/station.ts";

const KEY = "csr-key-kinds-key-000001";
const ID = "CP-CSR-KINDS";

Deno.test("a CSR with an RSA-PSS, Ed25519 or 1024-bit RSA key is Rejected with a reason naming what is wrong", async () => {
  const dir = await Deno.makeTempDir({ prefix: "attack_csr_kinds_" });
  const server = await startApiServer();
  try {
    const set = await server.json(`/api/v1/station-security/${ID}`, {
      method: "PATCH",
      body: { securityProfile: 1, authorizationKey: KEY },
    });
    assertEquals(set.status, 200, JSON.stringify(set.body));
    const socket = await openRaw(`${server.wsUrl}/${ID}`, ["ocpp1.6"], {
      headers: { authorization: `Basic ${btoa(`${ID}:${KEY}`)}` },
    });
    try {
      socket.send(
        JSON.stringify([2, "boot", "BootNotification", { chargePointVendor: "X", chargePointModel: "Y" }]),
      );
      assertEquals(((await socket.next()) as unknown[])[0], 3);
      const kinds: KeySpec[] = ["rsa-pss:2048", "ed25519", "rsa:1024"];
      for (const kind of kinds) {
        const { csr } = await makeCsr(dir, `/CN=${ID}`, kind);
        socket.send(JSON.stringify([2, kind, "SignCertificate", { csr }]));
        assertEquals(await socket.next(), [3, kind, { status: "Rejected" }]);
      }
    } finally {
      await socket.close();
    }
    const events = await server.json(`/api/v1/security-events?kind=csr_rejected&chargePointId=${ID}`, {
      as: "operator",
    });
    const reasons: string[] = events.body.items.map((e: { reason: string }) => e.reason).reverse();
    assertEquals(reasons.length, 3, JSON.stringify(reasons));
    assert(/RSA-PSS is not accepted/.test(reasons[0]!) && !/too small|\?/.test(reasons[0]!), reasons[0]);
    assert(/Ed25519 is not accepted/.test(reasons[1]!), reasons[1]);
    assert(/RSA 1024 is too small/.test(reasons[2]!), reasons[2]);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

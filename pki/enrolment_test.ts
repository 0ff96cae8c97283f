import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCsr } from "../tests/helpers/openssl.ts";
import { Enrolment } from "./enrolment.ts";
import { StationPki } from "./station_pki.ts";
import { x509 } from "./x509.ts";

Deno.test("Enrolment signs, records, logs and sends; a refusal or a failed delivery is an outcome, not a throw", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKvHandle(":memory:");
  try {
    const pki = await StationPki.open({ store: new KvPkiStore(kv), now: () => new Date() });
    const sent: [string, string][] = [];
    const events: string[] = [];
    let answer: () => Promise<string> = () => Promise.resolve("Accepted");
    const enrolment = new Enrolment({
      pki,
      sendCertificate: (id, chain) => {
        sent.push([id, chain]);
        return answer();
      },
      securityEvent: (e) => events.push(`${e.kind} ${e.chargePointId}`),
      log: () => {},
    });
    const { csr } = await makeCsr(dir, "/O=Acme/CN=CP-E");
    const ok = await enrolment.complete("CP-E", csr, "Acme");
    assertEquals(ok.status, "sent");
    assertEquals(sent.length, 1);
    assertEquals(new x509.X509Certificate(sent[0]![1]).subject, "O=Acme, CN=CP-E");
    assertEquals(events, ["certificate_issued CP-E"]);

    const refused = await enrolment.complete("CP-E", csr, "Other");
    assert(refused.status === "refused");
    assertEquals(sent.length, 1);
    assertEquals(events.at(-1), "csr_rejected CP-E");

    answer = () => Promise.reject(new Error("not connected"));
    const failed = await enrolment.complete("CP-E", csr, null);
    assertEquals(failed.status, "failed");
    assertEquals((await pki.listCertificates({ chargePointId: "CP-E", limit: 10 })).length, 2);
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

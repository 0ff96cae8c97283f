/**
 * The station PKI against real `openssl`: CSRs made by `openssl req` are checked, signed, recorded and the
 * chains verified by `openssl verify`; bad CSRs are refused with a reason; an operator's CA (root or
 * intermediate, EC or RSA) is used as given; renewal picks what expires soon.
 */
import { assert, assertEquals, assertMatch, assertRejects, assertStringIncludes } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { KvPkiStore } from "../store/kv/pki.ts";
import { makeCa, makeCsr, makeIntermediateCa, openssl, opensslVerify } from "../tests/helpers/openssl.ts";
import { StationPki } from "./station_pki.ts";
import { x509 } from "./x509.ts";

const DAY_MS = 24 * 3600_000;

async function withPki(
  fn: (ctx: { pki: StationPki; dir: string; store: KvPkiStore; clock: { now: Date } }) => Promise<void>,
  options: Parameters<typeof StationPki.open>[0] extends infer O ? Partial<O> : never = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "csms_pki_test_" });
  const kv = await openKvHandle(":memory:");
  const store = new KvPkiStore(kv);
  const clock = { now: new Date() };
  try {
    const pki = await StationPki.open({ store, now: () => clock.now, ...options });
    await fn({ pki, dir, store, clock });
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function caFile(dir: string, pki: StationPki): Promise<string> {
  const path = `${dir}/ca-${crypto.randomUUID()}.pem`;
  await Deno.writeTextFile(path, pki.caPem);
  return path;
}

Deno.test("a generated CA signs an openssl EC CSR into a client certificate that openssl verifies", async () => {
  await withPki(async ({ pki, dir, store }) => {
    const { csr } = await makeCsr(dir, "/O=Acme/CN=CP-1");
    const result = await pki.signCertificate("CP-1", csr, { cpoName: "Acme" });
    assert(result.ok, result.ok ? "" : result.reason);
    const verified = await opensslVerify(dir, await caFile(dir, pki), result.chain);
    assert(verified.ok, verified.output);
    const text = await openssl(["x509", "-noout", "-text"], dir, result.chain);
    assertStringIncludes(text, "CA:FALSE");
    assertStringIncludes(text, "TLS Web Client Authentication");
    assertMatch(text, /Subject: O ?= ?Acme, CN ?= ?CP-1/);
    assertEquals(result.certificate.key, "EC P-256");
    assertEquals(await store.getIssuedCertificate(result.certificate.serialNumber), {
      ...result.certificate,
      delivery: "pending",
      deliveredAt: null,
      deliveryDetail: null,
      current: false,
      renewalUnanswered: 0,
      renewalRetryAt: null,
      redeliveredAt: null,
    });
    const leaf = new x509.X509Certificate(result.chain);
    assertEquals(leaf.serialNumber.toLowerCase(), result.certificate.serialNumber);
    const days = (leaf.notAfter.getTime() - Date.now()) / DAY_MS;
    assert(days > 364 && days <= 365, `valid for ${days} days`);
  });
});

Deno.test("RSA 2048 and 3072 and EC P-384 keys are signed; RSA 1024 and Ed25519 are refused", async () => {
  await withPki(async ({ pki, dir }) => {
    for (const key of ["rsa:2048", "rsa:3072", "ec:P-384"] as const) {
      const { csr } = await makeCsr(dir, "/CN=CP-1", key);
      const result = await pki.signCertificate("CP-1", csr);
      assert(result.ok, `${key}: ${result.ok ? "" : result.reason}`);
      assert((await opensslVerify(dir, await caFile(dir, pki), result.chain)).ok, key);
    }
    const weak = await pki.signCertificate("CP-1", (await makeCsr(dir, "/CN=CP-1", "rsa:1024")).csr);
    assertEquals(weak, { ok: false, reason: "Key RSA 1024 is too small: RSA keys need at least 2048 bits" });
    const ed = await pki.signCertificate("CP-1", (await makeCsr(dir, "/CN=CP-1", "ed25519")).csr);
    assert(!ed.ok);
    assertMatch(ed.reason, /not a readable|not accepted/);
  });
});

Deno.test("a CSR whose CN is not the charge point id, or has none or two, is refused and nothing is recorded", async () => {
  await withPki(async ({ pki, dir }) => {
    const cases: [string, string][] = [
      ["/CN=CP-2", 'CSR subject CN "CP-2" is not the charge point id "CP-1"'],
      ["/CN=cp-1", 'CSR subject CN "cp-1" is not the charge point id "CP-1"'],
      ["/O=Acme", 'CSR subject CN none is not the charge point id "CP-1"'],
      ["/CN=CP-1/CN=CP-2", 'CSR subject CN "CP-1", "CP-2" is not the charge point id "CP-1"'],
    ];
    for (const [subject, reason] of cases) {
      assertEquals(await pki.signCertificate("CP-1", (await makeCsr(dir, subject)).csr), {
        ok: false,
        reason,
      });
    }
    assertEquals(await pki.listCertificates({ limit: 10 }), []);
  });
});

Deno.test("O must be the station's CpoName when it has one, and is free when it has none", async () => {
  await withPki(async ({ pki, dir }) => {
    const { csr } = await makeCsr(dir, "/O=Other/CN=CP-1");
    assertEquals(await pki.signCertificate("CP-1", csr, { cpoName: "Acme" }), {
      ok: false,
      reason: 'CSR subject O "Other" is not the station\'s CpoName "Acme"',
    });
    assert((await pki.signCertificate("CP-1", csr, { cpoName: null })).ok);
    assert((await pki.signCertificate("CP-1", csr)).ok);
  });
});

Deno.test("a CSR with a broken signature, garbage, or two requests is refused", async () => {
  await withPki(async ({ pki, dir }) => {
    const { csr } = await makeCsr(dir, "/CN=CP-1");
    // Flip one bit near the end of the DER: inside the signature, so the structure still parses.
    const der = x509.PemConverter.decodeFirst(csr);
    const bytes = new Uint8Array(der.slice(0));
    bytes[bytes.length - 5] = bytes[bytes.length - 5]! ^ 0x01;
    const tampered = x509.PemConverter.encode(bytes, "CERTIFICATE REQUEST");
    assertEquals(await pki.signCertificate("CP-1", tampered), {
      ok: false,
      reason: "CSR signature does not verify",
    });
    for (
      const bad of [
        "",
        "hello",
        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
      ]
    ) {
      assertEquals(await pki.signCertificate("CP-1", bad), {
        ok: false,
        reason: bad.startsWith("-----")
          ? "CSR is not a readable PEM certificate signing request"
          : "CSR must be exactly one PEM block of type CERTIFICATE REQUEST",
      }, JSON.stringify(bad));
    }
    assertEquals(await pki.signCertificate("CP-1", csr + csr), {
      ok: false,
      reason: "CSR must be exactly one PEM block of type CERTIFICATE REQUEST",
    });
  });
});

Deno.test("within minReissueS a bad CSR is refused for what is wrong with it, a good one as too soon", async () => {
  await withPki(async ({ pki, dir }) => {
    const { csr } = await makeCsr(dir, "/CN=CP-1");
    assert((await pki.signCertificate("CP-1", csr)).ok);
    const notCsr = "CSR must be exactly one PEM block of type CERTIFICATE REQUEST";
    for (const bad of ["", "hello"]) {
      assertEquals(await pki.checkCsr("CP-1", bad), { ok: false, reason: notCsr }, JSON.stringify(bad));
      assertEquals(
        await pki.signCertificate("CP-1", bad),
        { ok: false, reason: notCsr },
        JSON.stringify(bad),
      );
    }
    const again = await pki.signCertificate("CP-1", csr);
    assert(!again.ok && again.reason.includes("ask again after"), JSON.stringify(again));
  }, { settings: { minReissueS: 3600 } });
});

Deno.test("the generated CA is stored at first start and the same one is used after a restart", async () => {
  const kv = await openKvHandle(":memory:");
  try {
    const store = new KvPkiStore(kv);
    const first = await StationPki.open({ store, now: () => new Date() });
    const second = await StationPki.open({ store, now: () => new Date() });
    assertEquals(second.caPem, first.caPem);
    assertEquals(first.caSource, "generated");
    const ca = new x509.X509Certificate(first.caPem);
    assertEquals(ca.subject, "CN=OCPP CSMS Station CA, O=OCPP CSMS");
    assert(ca.getExtension(x509.BasicConstraintsExtension)?.ca);
  } finally {
    kv.close();
  }
});

Deno.test("an operator's RSA root CA signs; its PEM is served as the CA file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_pki_op_" });
  try {
    const root = await makeCa(dir, "/CN=Operator Root", "rsa:2048");
    await withPki(async ({ pki, dir: work, store }) => {
      assertEquals(pki.caSource, "operator");
      assertEquals(await store.getCa(), null, "an operator CA is never stored");
      assertEquals(new x509.X509Certificate(pki.caPem).subject, "CN=Operator Root");
      const result = await pki.signCertificate("CP-9", (await makeCsr(work, "/CN=CP-9")).csr);
      assert(result.ok);
      assert((await opensslVerify(work, root.certPath, result.chain)).ok);
    }, { operatorCa: { certificatePem: root.certPem, privateKeyPem: root.keyPem } });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an operator's intermediate CA sends itself in the chain, which openssl verifies up to the root", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_pki_int_" });
  try {
    const root = await makeCa(dir, "/CN=Operator Root");
    const sub = await makeIntermediateCa(dir, root, "/CN=Operator Stations");
    await withPki(async ({ pki, dir: work }) => {
      const result = await pki.signCertificate("CP-9", (await makeCsr(work, "/CN=CP-9")).csr);
      assert(result.ok);
      const certs = x509.PemConverter.decode(result.chain).map((der) => new x509.X509Certificate(der));
      assertEquals(certs.map((c) => c.subject), ["CN=CP-9", "CN=Operator Stations"]);
      // The CA file served holds the intermediate and the root: enough for openssl (and nginx) alone.
      const verified = await opensslVerify(work, await caFile(work, pki), result.chain);
      assert(verified.ok, verified.output);
    }, {
      operatorCa: { certificatePem: sub.certPem + root.certPem, privateKeyPem: sub.keyPem },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an operator CA that is not a CA, or a key that is not its own, is refused at start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_pki_bad_" });
  try {
    const root = await makeCa(dir, "/CN=Operator Root");
    const other = await makeCa(dir, "/CN=Someone Else");
    const kv = await openKvHandle(":memory:");
    try {
      const store = new KvPkiStore(kv);
      const open = (certificatePem: string, privateKeyPem: string) =>
        StationPki.open({ store, now: () => new Date(), operatorCa: { certificatePem, privateKeyPem } });
      await assertRejects(
        () => open(root.certPem, other.keyPem),
        Error,
        'it does not belong to "CN=Operator Root"',
      );
      await assertRejects(() => open(root.certPem, "junk"), Error, "expected a PKCS #8 PEM key");
      await assertRejects(() => open("junk", root.keyPem), Error, "Cannot read the CA certificate");
      const leaf = await pkiLeaf(dir, root);
      await assertRejects(() => open(leaf, root.keyPem), Error, "it is not a CA certificate");
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A leaf certificate (not a CA) signed by `root`. */
async function pkiLeaf(dir: string, root: { certPath: string; keyPath: string }): Promise<string> {
  const { csr } = await makeCsr(dir, "/CN=leaf");
  await Deno.writeTextFile(`${dir}/leaf.csr`, csr);
  await openssl(
    [
      "x509",
      "-req",
      "-in",
      "leaf.csr",
      "-CA",
      root.certPath,
      "-CAkey",
      root.keyPath,
      "-CAcreateserial",
      "-out",
      "leaf.pem",
    ],
    dir,
  );
  return await Deno.readTextFile(`${dir}/leaf.pem`);
}

Deno.test("dueForRenewal() lists stations whose current certificate expires within renewBeforeDays", async () => {
  await withPki(async ({ pki, dir, clock }) => {
    const start = clock.now;
    const a = await pki.signCertificate("CP-A", (await makeCsr(dir, "/CN=CP-A")).csr);
    assert(a.ok);
    const due = () => pki.dueForRenewal({ limit: 10, retryAfterMs: 3600_000 });
    const accepted = { delivery: "accepted", detail: null } as const;
    await pki.recordDelivery(a.certificate.serialNumber, accepted);
    assertEquals(await due(), []);
    clock.now = new Date(start.getTime() + 6.9 * DAY_MS); // 10-day certificates, renewed 3 days before expiry
    assertEquals(await due(), []);
    clock.now = new Date(start.getTime() + 7.5 * DAY_MS);
    assertEquals((await due()).map((c) => c.serialNumber), [a.certificate.serialNumber]);
    await pki.markRenewalRequested(a.certificate.serialNumber);
    assertEquals(await due(), [], "asked already within the hour");
    clock.now = new Date(clock.now.getTime() + 3600_001);
    assertEquals((await due()).length, 1, "asked again after retryAfterMs");
    const renewed = await pki.signCertificate("CP-A", (await makeCsr(dir, "/CN=CP-A")).csr);
    assert(renewed.ok);
    const stillDue = (await due()).map((c) => c.serialNumber);
    assertEquals(
      stillDue,
      [a.certificate.serialNumber],
      "the new one is not the station's before it accepts it",
    );
    await pki.recordDelivery(renewed.certificate.serialNumber, accepted);
    assertEquals(await due(), [], "the new certificate is current");
  }, { settings: { certificateValidityDays: 10, renewBeforeDays: 3 } });
});

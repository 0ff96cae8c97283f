/**
 * An operator who would make stations trust a rogue Central System, as a QA round found they could: install a
 * root certificate, delete one, hand a station a certificate chain, lower its security profile, one station at
 * a time or as a fleet job. Those need the admin role (as setting an AuthorizationKey does); what is sent must
 * be certificates. Nothing reaches the station when refused.
 */
import { assertEquals } from "@std/assert";
import { startApiServer } from "./helpers/api.ts";
import { SAMPLE_CERTIFICATE } from "./helpers/sample_certificate.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test("an operator cannot change whom a station trusts; an admin can, with real certificates only", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-TRUST");
  const received: string[] = [];
  for (
    const action of ["InstallCertificate", "DeleteCertificate", "CertificateSigned", "ChangeConfiguration"]
  ) {
    station.handle(action, () => {
      received.push(action);
      return { status: "Accepted" };
    });
  }
  const send = (action: string, body: unknown, as: "operator" | "admin") =>
    server.json(`/api/v1/charge-points/CP-TRUST/${action}`, { method: "POST", body, as });
  const root = { certificateType: "CentralSystemRootCertificate", certificate: SAMPLE_CERTIFICATE };
  try {
    const attempts: [string, unknown][] = [
      ["InstallCertificate", root],
      [
        "DeleteCertificate",
        {
          certificateHashData: {
            hashAlgorithm: "SHA256",
            issuerNameHash: "a".repeat(64),
            issuerKeyHash: "b".repeat(64),
            serialNumber: "01",
          },
        },
      ],
      ["CertificateSigned", { certificateChain: SAMPLE_CERTIFICATE }],
      ["ChangeConfiguration", { key: "securityprofile", value: "0" }],
      ["ChangeConfiguration", { key: "CpoName", value: "Rogue" }],
    ];
    for (const [action, body] of attempts) {
      const res = await send(action, body, "operator");
      assertEquals(
        [res.status, res.body.details?.required],
        [403, "admin"],
        `${action} ${JSON.stringify(body)}`,
      );
    }
    const job = await server.json("/api/v1/jobs", {
      method: "POST",
      as: "operator",
      body: { action: "InstallCertificate", payload: root, chargePointIds: ["CP-TRUST"] },
    });
    assertEquals(job.status, 403);
    assertEquals(received, [], "nothing reached the station");

    const notAPem = await send("InstallCertificate", { ...root, certificate: "not a pem" }, "admin");
    assertEquals([notAPem.status, notAPem.body.details.field], [400, "certificate"]);
    assertEquals(received, []);
    assertEquals((await send("InstallCertificate", root, "admin")).status, 200);
    assertEquals(
      (await send("ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }, "operator")).status,
      200,
    );
    assertEquals(received, ["InstallCertificate", "ChangeConfiguration"]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

Deno.test("a certificate command carries certificates and nothing else: text around the PEM or a job's non-PEM is 400, nothing sent", async () => {
  const server = await startApiServer();
  const station = await connectStation(server.wsUrl, "CP-TRUST-PEM");
  const received: unknown[] = [];
  for (const action of ["InstallCertificate", "CertificateSigned"]) {
    station.handle(action, ({ params }) => {
      received.push(params);
      return { status: "Accepted" };
    });
  }
  try {
    const refused: [string, Record<string, string>][] = [
      ["InstallCertificate", {
        certificateType: "ManufacturerRootCertificate",
        certificate: SAMPLE_CERTIFICATE + "rm -rf /",
      }],
      ["InstallCertificate", {
        certificateType: "ManufacturerRootCertificate",
        certificate: "garbage\n" + SAMPLE_CERTIFICATE,
      }],
      ["CertificateSigned", { certificateChain: SAMPLE_CERTIFICATE + "junk\n" + SAMPLE_CERTIFICATE }],
    ];
    for (const [action, body] of refused) {
      const res = await server.json(`/api/v1/charge-points/CP-TRUST-PEM/${action}`, {
        method: "POST",
        body,
        as: "admin",
      });
      assertEquals(res.status, 400, `${action} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    }
    // A job would send it to every station: the same check, before anything is stored.
    for (
      const [action, payload] of [...refused, ["InstallCertificate", {
        certificateType: "ManufacturerRootCertificate",
        certificate: "not a pem",
      }], ["CertificateSigned", null]] as [string, unknown][]
    ) {
      const job = await server.json("/api/v1/jobs", {
        method: "POST",
        as: "admin",
        body: { action, payload, chargePointIds: ["CP-TRUST-PEM"] },
      });
      assertEquals(job.status, 400, `job ${action} ${JSON.stringify(payload)}: ${JSON.stringify(job.body)}`);
    }
    assertEquals((await server.json("/api/v1/jobs", { as: "admin" })).body.items, []);
    // Blank lines around and between the blocks are fine.
    const chain = `\n${SAMPLE_CERTIFICATE}\n\n${SAMPLE_CERTIFICATE}\n`;
    const ok = await server.json("/api/v1/charge-points/CP-TRUST-PEM/CertificateSigned", {
      method: "POST",
      body: { certificateChain: chain },
      as: "admin",
    });
    assertEquals(ok.status, 200, JSON.stringify(ok.body));
    assertEquals(received, [{ certificateChain: chain }]);
  } finally {
    await closeStation(station);
    await server.close();
  }
});

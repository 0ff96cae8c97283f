import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { makeCa } from "../tests/helpers/openssl.ts";
import { FirmwareLibrary, signingProblem } from "./firmware.ts";

async function withLibrary(fn: (lib: FirmwareLibrary, clock: { now: Date }) => Promise<void>) {
  const kv = await openKvHandle(":memory:");
  const clock = { now: new Date("2024-05-01T10:00:00Z") };
  const { files, blobs } = kvSecurityExtension(kv);
  try {
    await fn(
      new FirmwareLibrary({
        files,
        blobs,
        now: () => clock.now,
        settings: { maxBytes: 1000, linkTtlMs: 60_000, maxDownloads: 2 },
      }),
      clock,
    );
  } finally {
    kv.close();
  }
}

const body = (text: string) => new Response(text).body!;

Deno.test("FirmwareLibrary: an image is downloaded at its link by its station, up to the limit, until expiry", async () => {
  await withLibrary(async (lib, clock) => {
    const added = await lib.add({
      name: "Volt 2.4",
      fileName: "volt-2.4.bin",
      contentType: null,
      body: body("IMAGE"),
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "user:root",
    });
    assert(added.ok);
    assertEquals(added.image.size, 5);
    const link = await lib.link({
      firmwareId: added.image.id,
      chargePointId: "CP-1",
      createdBy: "u",
      baseUrl: "http://h",
    });
    assert(link);
    assert(
      link.url.startsWith("http://h/files/firmware/CP-1/") && link.url.endsWith("/volt-2.4.bin"),
      link.url,
    );
    const token = link.url.split("/").at(-2)!;
    assertEquals(await lib.download({ chargePointId: "CP-2", token }), {
      ok: false,
      reason: "wrong_station",
    });
    const first = await lib.download({ chargePointId: "CP-1", token });
    assert(first.ok);
    assertEquals(await new Response(first.body).text(), "IMAGE");
    const second = await lib.download({ chargePointId: "CP-1", token });
    assert(second.ok);
    await second.body.cancel();
    assertEquals(await lib.download({ chargePointId: "CP-1", token }), { ok: false, reason: "exhausted" });
    const other = await lib.link({
      firmwareId: added.image.id,
      chargePointId: "CP-1",
      createdBy: "u",
      baseUrl: "http://h",
    });
    clock.now = new Date(clock.now.getTime() + 60_000);
    assertEquals(await lib.download({ chargePointId: "CP-1", token: other!.url.split("/").at(-2)! }), {
      ok: false,
      reason: "expired",
    });
    assertEquals(
      await lib.link({ firmwareId: "firmware-none", chargePointId: "CP-1", createdBy: "u", baseUrl: "x" }),
      null,
    );
  });
});

Deno.test("FirmwareLibrary: an image over the limit is refused and nothing is listed", async () => {
  await withLibrary(async (lib) => {
    const added = await lib.add({
      name: "big",
      fileName: null,
      contentType: null,
      body: body("x".repeat(1001)),
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assertEquals(added.ok, false);
    assertEquals(await lib.list(10), []);
  });
});

Deno.test("signingProblem() wants both or neither, base64 and one PEM certificate", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { certPem } = await makeCa(dir, "/CN=Firmware Signer");
    assertEquals(signingProblem(null, null), null);
    assertEquals(signingProblem("c2ln", certPem), null);
    assertEquals(
      signingProblem("c2ln", null),
      "A signed image needs both the signature and the signing certificate",
    );
    assertEquals(
      signingProblem("not base64!", certPem),
      "The signature must be base64, at most 800 characters",
    );
    assertEquals(signingProblem("c2ln", "junk"), "The signing certificate must be one PEM X.509 certificate");
    assertEquals(
      signingProblem("c2ln", certPem + certPem),
      "The signing certificate must be one PEM X.509 certificate",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { expandLocations, hasLocationPlaceholder, type LocationContext } from "./command_locations.ts";
import { FirmwareLibrary } from "./firmware.ts";
import { StationUploads } from "./uploads.ts";
import { makeCa } from "../tests/helpers/openssl.ts";

async function withContext(fn: (ctx: LocationContext) => Promise<void>) {
  const kv = await openKvHandle(":memory:");
  const { files, blobs } = kvSecurityExtension(kv);
  const now = () => new Date("2024-05-01T10:00:00Z");
  try {
    await fn({
      chargePointId: "CP-1",
      createdBy: "user:otto",
      baseUrl: "https://csms.example.com",
      uploads: new StationUploads({
        files,
        blobs,
        now,
        settings: { maxBytes: 100, ttlMs: 60_000, maxConcurrent: 4, idleMs: 5_000 },
      }),
      firmware: new FirmwareLibrary({
        files,
        blobs,
        now,
        settings: { maxBytes: 100, linkTtlMs: 60_000, maxDownloads: 2, idleMs: 30_000, maxConcurrent: 4 },
      }),
    });
  } finally {
    kv.close();
  }
}

Deno.test("expandLocations() mints one-time upload URLs for GetDiagnostics and GetLog placeholders", async () => {
  await withContext(async (ctx) => {
    const diag = await expandLocations("GetDiagnostics", { location: "csms:upload", retries: 2 }, ctx);
    assert(diag.ok);
    const location = (diag.payload as { location: string }).location;
    assert(location.startsWith("https://csms.example.com/files/upload/CP-1/"), location);
    assertEquals((diag.payload as { retries: number }).retries, 2);

    const log = await expandLocations("GetLog", {
      logType: "SecurityLog",
      requestId: 42,
      log: { remoteLocation: "csms:upload", oldestTimestamp: "2024-01-01T00:00:00Z" },
    }, ctx);
    assert(log.ok);
    const payload = log.payload as { log: { remoteLocation: string; oldestTimestamp: string } };
    assert(payload.log.remoteLocation.startsWith("https://csms.example.com/files/upload/CP-1/"));
    assertEquals(payload.log.oldestTimestamp, "2024-01-01T00:00:00Z");
    const token = payload.log.remoteLocation.split("/").pop()!;
    const received = await ctx.uploads.receive({
      chargePointId: "CP-1",
      token,
      body: new Response("x").body!,
      remoteAddress: null,
    });
    assert(received.ok);
    assertEquals([received.file.kind, received.file.requestId, received.file.logType], [
      "log",
      42,
      "SecurityLog",
    ]);
  });
});

Deno.test("expandLocations() leaves real URLs and other actions alone", async () => {
  await withContext(async (ctx) => {
    const payload = { location: "ftp://u:p@ftp.example.com/diag/" };
    assertEquals(await expandLocations("GetDiagnostics", payload, ctx), { ok: true, payload });
    const reset = { type: "Soft" };
    assertEquals(await expandLocations("Reset", reset, ctx), { ok: true, payload: reset });
    assertEquals(await ctx.uploads.list({ limit: 10 }), []);
  });
});

Deno.test("expandLocations() links firmware and fills SignedUpdateFirmware's empty signing fields from the image", async () => {
  await withContext(async (ctx) => {
    const dir = await Deno.makeTempDir();
    const { certPem } = await makeCa(dir, "/CN=Signer").finally(() => Deno.remove(dir, { recursive: true }));
    const signed = await ctx.firmware.add({
      name: "v2",
      fileName: "v2.bin",
      contentType: null,
      body: new Response("IMG").body!,
      signature: "c2ln",
      signingCertificatePem: certPem,
      uploadedBy: "u",
    });
    assert(signed.ok);
    const filled = await expandLocations("SignedUpdateFirmware", {
      requestId: 7,
      firmware: {
        location: `csms:firmware/${signed.image.id}`,
        retrieveDateTime: "2024-05-01T10:00:00Z",
        signature: "",
        signingCertificate: "",
      },
    }, ctx);
    assert(filled.ok);
    const fw =
      (filled.payload as { firmware: { location: string; signature: string; signingCertificate: string } })
        .firmware;
    assert(
      fw.location.startsWith("https://csms.example.com/files/firmware/CP-1/") &&
        fw.location.endsWith("/v2.bin"),
    );
    assertEquals([fw.signature, fw.signingCertificate], ["c2ln", certPem]);
    const plain = await ctx.firmware.add({
      name: "v1",
      fileName: "v1.bin",
      contentType: null,
      body: new Response("IMG").body!,
      signature: null,
      signingCertificatePem: null,
      uploadedBy: "u",
    });
    assert(plain.ok);
    const update = await expandLocations("UpdateFirmware", {
      location: `csms:firmware/${plain.image.id}`,
      retrieveDate: "2024-05-01T10:00:00Z",
    }, ctx);
    assert(update.ok);
    assert((update.payload as { location: string }).location.endsWith("/v1.bin"));
    const unsigned = await expandLocations("SignedUpdateFirmware", {
      requestId: 1,
      firmware: {
        location: `csms:firmware/${plain.image.id}`,
        retrieveDateTime: "2024-05-01T10:00:00Z",
        signature: "",
        signingCertificate: "",
      },
    }, ctx);
    assertEquals(unsigned.ok, false);
    const given = await expandLocations("SignedUpdateFirmware", {
      requestId: 1,
      firmware: {
        location: `csms:firmware/${plain.image.id}`,
        retrieveDateTime: "2024-05-01T10:00:00Z",
        signature: "c2ln",
        signingCertificate: "PEM",
      },
    }, ctx);
    assert(given.ok);
    assertEquals((given.payload as { firmware: { signature: string } }).firmware.signature, "c2ln");
    assertEquals(
      await expandLocations(
        "UpdateFirmware",
        { location: "csms:firmware/firmware-nope", retrieveDate: "x" },
        ctx,
      ),
      { ok: false, message: 'Firmware "firmware-nope" is unknown' },
    );
  });
});

Deno.test("hasLocationPlaceholder() says which payloads would mint a URL", () => {
  const cases: [string, unknown, boolean][] = [
    ["GetDiagnostics", { location: "csms:upload" }, true],
    ["GetDiagnostics", { location: "ftp://host/x" }, false],
    ["GetLog", { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "csms:upload" } }, true],
    ["GetLog", { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "https://x" } }, false],
    ["UpdateFirmware", { location: "csms:firmware/firmware-1", retrieveDate: "x" }, true],
    ["UpdateFirmware", { location: "csms:firmware/", retrieveDate: "x" }, false],
    ["SignedUpdateFirmware", { requestId: 1, firmware: { location: "csms:firmware/f" } }, true],
    ["Reset", { location: "csms:upload" }, false],
    ["GetDiagnostics", null, false],
  ];
  for (const [action, payload, expected] of cases) {
    assertEquals(hasLocationPlaceholder(action, payload), expected, `${action} ${JSON.stringify(payload)}`);
  }
});

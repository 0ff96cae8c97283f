/**
 * Station file transfers over real HTTP, the way stations and operators use them: an operator mints a
 * one-time upload URL, the station PUTs or POSTs (multipart) its file there, operators download the same
 * bytes (viewers may not); an admin uploads a signed firmware image, an operator gets a download URL for one
 * station, the station downloads the same bytes. And the attacks: a URL used twice, expired, oversized, or
 * used for another station; a download link used by another station or past its limit.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { x509 } from "../pki/x509.ts";
import { type ApiTestServer, startApiServer } from "./helpers/api.ts";
import { makeCa } from "./helpers/openssl.ts";
import { hashUrlToken } from "../files/tokens.ts";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { heldBody } from "./helpers/held_body.ts";

async function withServer(
  fn: (server: ApiTestServer, clock: { now: Date }) => Promise<void>,
  env: Record<string, string> = {},
) {
  const clock = { now: new Date() };
  const server = await startApiServer({ UPLOAD_MAX_BYTES: "4096", UPLOAD_URL_TTL_MIN: "5", ...env }, {
    now: () => clock.now,
  });
  try {
    await fn(server, clock);
  } finally {
    await server.close();
  }
}

/** Pre-registers the station (URLs are minted only for stations the Central System knows). */
async function register(server: ApiTestServer, chargePointId: string) {
  const put = await server.json(`/api/v1/charge-points/${encodeURIComponent(chargePointId)}`, {
    method: "PUT",
    body: { registrationStatus: "Accepted" },
  });
  assert(put.status === 200 || put.status === 201, JSON.stringify(put.body));
}

async function mint(
  server: ApiTestServer,
  chargePointId: string,
  body: unknown = { kind: "log", requestId: 3, logType: "SecurityLog" },
) {
  await register(server, chargePointId);
  const res = await server.json(`/api/v1/charge-points/${encodeURIComponent(chargePointId)}/upload-urls`, {
    method: "POST",
    as: "operator",
    body,
  });
  assertEquals(res.status, 201, JSON.stringify(res.body));
  return res.body as { url: string; uploadId: string; expiresAt: string };
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65_536)));
  return out;
}

async function status(res: Response): Promise<number> {
  await res.body?.cancel();
  return res.status;
}

Deno.test("GET /api/v1/pki/ca answers the CA certificate as PEM without credentials", async () => {
  await withServer(async (server) => {
    const res = await fetch(`${server.url}/api/v1/pki/ca`);
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-type"), "application/x-pem-file");
    const ca = new x509.X509Certificate(await res.text());
    assert(ca.getExtension(x509.BasicConstraintsExtension)?.ca);
    assertEquals(ca.subject, ca.issuer);
  });
});

Deno.test("a station uploads a log with PUT to its one-time URL; operators download the same bytes, viewers may not", async () => {
  await withServer(async (server) => {
    const minted = await mint(server, "CP-1");
    assert(minted.url.startsWith(`${server.url}/files/upload/CP-1/`), minted.url);
    const bytes = randomBytes(4000);
    const put = await fetch(`${minted.url}/security-2024.log`, { method: "PUT", body: bytes });
    assertEquals(put.status, 201);
    const stored = await put.json();
    assertEquals(stored.size, 4000);

    const list = await server.json("/api/v1/uploads?chargePointId=CP-1", { as: "viewer" });
    assertEquals(list.body.items.length, 1);
    assertEquals(list.body.items[0].fileName, "security-2024.log");
    assertEquals(list.body.items[0].logType, "SecurityLog");
    assertEquals(list.body.items[0].requestId, 3);
    assertEquals(list.body.items[0].sha256, stored.sha256);

    const download = await server.api(`/api/v1/uploads/${minted.uploadId}/content`, { as: "operator" });
    assertEquals(download.status, 200);
    assertEquals(download.headers.get("content-type"), "application/octet-stream");
    assertEquals(download.headers.get("x-content-type-options"), "nosniff");
    assertMatch(
      download.headers.get("content-disposition") ?? "",
      /attachment; filename="security-2024.log"/,
    );
    assertEquals(new Uint8Array(await download.arrayBuffer()), bytes);
    assertEquals(
      await status(await server.api(`/api/v1/uploads/${minted.uploadId}/content`, { as: "viewer" })),
      403,
    );
    assertEquals(await status(await fetch(`${server.url}/api/v1/uploads/${minted.uploadId}/content`)), 401);
  });
});

Deno.test("a station uploads diagnostics as multipart/form-data (POST), as curl -F does", async () => {
  await withServer(async (server) => {
    const minted = await mint(server, "CP-2", { kind: "diagnostics" });
    const bytes = randomBytes(3000);
    const form = new FormData();
    form.append("file", new File([bytes], "diag.tar.gz", { type: "application/gzip" }));
    const res = await fetch(minted.url, { method: "POST", body: form });
    assertEquals(res.status, 201, await res.clone().text());
    await res.body?.cancel();
    const download = await server.api(`/api/v1/uploads/${minted.uploadId}/content`, { as: "operator" });
    assertEquals(new Uint8Array(await download.arrayBuffer()), bytes);
    const list = await server.json("/api/v1/uploads", { as: "viewer" });
    assertEquals(list.body.items[0].fileName, "diag.tar.gz");
    assertEquals(list.body.items[0].contentType, "application/gzip");
  });
});

Deno.test("attacks on upload URLs: used twice, another station's, expired, oversized, guessed - all refused and logged", async () => {
  await withServer(async (server, clock) => {
    const a = await mint(server, "CP-A");
    const token = a.url.split("/").pop()!;
    // Another station's id with A's token: 404, as for an unknown token.
    assertEquals(
      await status(await fetch(`${server.url}/files/upload/CP-B/${token}`, { method: "PUT", body: "x" })),
      404,
    );
    // Oversized (4096 allowed), declared and streamed (chunked, no content-length): 413, nothing stored.
    assertEquals(await status(await fetch(a.url, { method: "PUT", body: randomBytes(5000) })), 413);
    const stream = new Response(randomBytes(6000)).body!;
    assertEquals(await status(await fetch(a.url, { method: "PUT", body: stream })), 413);
    assertEquals((await server.json("/api/v1/uploads", { as: "viewer" })).body.items, []);
    // After the refusals the URL still takes one file that fits, then never another.
    assertEquals(await status(await fetch(a.url, { method: "PUT", body: "first" })), 201);
    assertEquals(await status(await fetch(a.url, { method: "PUT", body: "second" })), 409);
    // Guessed tokens.
    assertEquals(
      await status(
        await fetch(`${server.url}/files/upload/CP-A/${"A".repeat(43)}`, { method: "PUT", body: "x" }),
      ),
      404,
    );
    assertEquals(
      await status(await fetch(`${server.url}/files/upload/CP-A/x`, { method: "POST", body: "x" })),
      404,
    );
    // Expired: 5 minutes.
    const b = await mint(server, "CP-A");
    clock.now = new Date(clock.now.getTime() + 5 * 60_000 + 1);
    assertEquals(await status(await fetch(b.url, { method: "PUT", body: "late" })), 410);

    const download = await server.api(`/api/v1/uploads/${a.uploadId}/content`, { as: "operator" });
    assertEquals(await download.text(), "first");
    const events = await server.json("/api/v1/security-events?kind=upload_refused&limit=100", {
      as: "operator",
    });
    const reasons = events.body.items.map((e: { reason: string; chargePointId: string; status: number }) =>
      `${e.chargePointId} ${e.status} ${e.reason}`
    );
    for (
      const expected of [
        "CP-B 404 Upload refused: wrong station",
        "CP-A 413 Upload refused: too large",
        "CP-A 409 Upload refused: used",
        "CP-A 404 Upload refused: unknown",
        "CP-A 410 Upload refused: expired",
      ]
    ) assert(reasons.includes(expected), `${expected} not in ${JSON.stringify(reasons)}`);
  });
});

Deno.test("firmware: an admin uploads a signed image, a station downloads it at its own link only, a few times", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_fw_" });
  try {
    const signer = await makeCa(dir, "/CN=Firmware Signer");
    await withServer(async (server) => {
      const image = randomBytes(20_000);
      const form = new FormData();
      form.append("name", "Volt-1 2.4.0");
      form.append("file", new File([image], "volt-2.4.0.bin"));
      form.append("signature", "c2lnbmF0dXJl");
      form.append("signingCertificate", signer.certPem);
      const asOperator = await server.api("/api/v1/firmware", {
        method: "POST",
        as: "operator",
        headers: {},
        body: undefined,
      });
      assertEquals(await status(asOperator), 403);
      const uploaded = await fetch(`${server.url}/api/v1/firmware`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.tokens.admin}` },
        body: form,
      });
      assertEquals(uploaded.status, 201, await uploaded.clone().text());
      const fw = await uploaded.json();
      assertEquals(fw.size, 20_000);
      assertEquals(fw.signingCertificatePem, signer.certPem.trim());

      await register(server, "CP-F");
      const linked = await server.json(`/api/v1/firmware/${fw.id}/links`, {
        method: "POST",
        as: "operator",
        body: { chargePointId: "CP-F" },
      });
      assertEquals(linked.status, 201);
      assertEquals(linked.body.signature, "c2lnbmF0dXJl");
      const url: string = linked.body.url;
      assert(url.endsWith("/volt-2.4.0.bin"), url);
      const other = url.replace("/files/firmware/CP-F/", "/files/firmware/CP-G/");
      assertEquals(await status(await fetch(other)), 404);
      for (let i = 0; i < 5; i++) {
        const res = await fetch(url);
        assertEquals(res.status, 200);
        assertEquals(new Uint8Array(await res.arrayBuffer()), image);
      }
      assertEquals(await status(await fetch(url)), 410, "past FIRMWARE_URL_MAX_DOWNLOADS (5)");

      const again = await server.json(`/api/v1/firmware/${fw.id}/links`, {
        method: "POST",
        as: "operator",
        body: { chargePointId: "CP-F" },
      });
      assertEquals(
        await status(await server.api(`/api/v1/firmware/${fw.id}`, { method: "DELETE", as: "admin" })),
        204,
      );
      assertEquals(await status(await fetch(again.body.url)), 404, "a deleted image is gone");
      const events = await server.json("/api/v1/security-events?kind=download_refused", { as: "operator" });
      assertEquals(events.body.items.length, 3);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("firmware uploads with half the signing data, a bad certificate, no bytes or over the limit are refused", async () => {
  await withServer(async (server) => {
    const post = async (fields: Record<string, string | File>) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      const res = await fetch(`${server.url}/api/v1/firmware`, {
        method: "POST",
        headers: { authorization: `Bearer ${server.tokens.admin}` },
        body: form,
      });
      return { status: res.status, body: await res.json() };
    };
    const file = () => new File([randomBytes(10)], "a.bin");
    assertEquals((await post({ name: "x", file: file(), signature: "c2ln" })).status, 400);
    assertEquals(
      (await post({ name: "x", file: file(), signature: "c2ln", signingCertificate: "junk" })).status,
      400,
    );
    assertEquals((await post({ file: file() })).status, 400);
    assertEquals((await post({ name: "x" })).status, 400);
    // An empty file (a wrong file picked, a copy that failed) is no image a station could install.
    const empty = await post({ name: "empty", file: new File([], "empty.bin") });
    assertEquals([empty.status, empty.body.error], [400, "invalid_request"]);
    assertEquals(empty.body.message, "The firmware image is empty (0 bytes)");
    const big = await post({ name: "big", file: new File([randomBytes(3000)], "big.bin") });
    assertEquals(big.status, 413);
    assertEquals((await server.json("/api/v1/firmware", { as: "viewer" })).body.items, []);
  }, { FIRMWARE_MAX_BYTES: "2048" });
});

Deno.test("the station page lists uploads with a download link for operators and without one for viewers", async () => {
  await withServer(async (server) => {
    for (const role of ["viewer", "operator"] as const) {
      const made = await server.json("/api/v1/users", {
        method: "POST",
        body: { username: `${role}1`, password: `${role}-password-1`, role },
      });
      assertEquals(made.status, 201);
    }
    const registered = await server.json("/api/v1/charge-points/CP-P", {
      method: "PUT",
      body: { registrationStatus: "Accepted" },
    });
    assertEquals(registered.status, 201, JSON.stringify(registered.body));
    const minted = await mint(server, "CP-P");
    assertEquals(await status(await fetch(`${minted.url}/station.log`, { method: "PUT", body: "log" })), 201);
    const page = async (role: string) => {
      const cookie = await server.login(`${role}1`, `${role}-password-1`);
      const res = await fetch(`${server.url}/stations/CP-P`, { headers: { cookie } });
      assertEquals(res.status, 200);
      return await res.text();
    };
    const link = `/api/v1/uploads/${minted.uploadId}/content`;
    const operatorPage = await page("operator");
    assert(operatorPage.includes(link), "operators get the download link");
    const viewerPage = await page("viewer");
    assert(
      viewerPage.includes("station.log") && !viewerPage.includes(link),
      "viewers see the file, not the link",
    );
  });
});

/** The server with its upload records in `kv` (so a test can see when a slot is being uploaded to). */
async function withServerOnKv(
  env: Record<string, string>,
  fn: (
    server: ApiTestServer,
    slotState: (url: string) => Promise<string | undefined>,
    kv: Deno.Kv,
  ) => Promise<void>,
) {
  const kv = await openKvHandle(":memory:");
  const server = await startApiServer({ UPLOAD_MAX_BYTES: "4096", ...env }, {
    securityExtension: kvSecurityExtension(kv),
  });
  const slotState = async (url: string) =>
    (await kv.get<{ state: string }>(["upload_slot", await hashUrlToken(url.split("/").pop()!)])).value
      ?.state;
  try {
    await fn(server, slotState, kv);
  } finally {
    await server.close();
    kv.close();
  }
}

async function until(check: () => Promise<boolean>, what: string) {
  for (const deadline = Date.now() + 10_000; !(await check());) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("past UPLOAD_MAX_CONCURRENT an upload gets 503 with Retry-After, and its URL still works afterwards", async () => {
  await withServerOnKv({ UPLOAD_MAX_CONCURRENT: "1" }, async (server, slotState) => {
    const a = await mint(server, "CP-A");
    const b = await mint(server, "CP-B");
    const held = heldBody(randomBytes(100), randomBytes(100));
    const first = fetch(a.url, { method: "PUT", body: held.stream });
    await until(async () => await slotState(a.url) === "uploading", "A's upload to start");
    const again = await fetch(a.url, { method: "PUT", body: "x" });
    assertEquals(again.status, 409);
    assertMatch((await again.json()).message, /in progress/);
    const busy = await fetch(b.url, { method: "PUT", body: "b" });
    assertEquals(busy.status, 503);
    assertEquals(busy.headers.get("retry-after"), "30");
    await busy.body?.cancel();
    assertEquals(await slotState(b.url), "open", "a busy refusal leaves the URL open");
    held.finish();
    assertEquals(await status(await first), 201);
    assertEquals(await status(await fetch(b.url, { method: "PUT", body: "b" })), 201);
  });
});

Deno.test("an upload that stalls past UPLOAD_IDLE_TIMEOUT_S is cut off (408) and the station's retry succeeds", async () => {
  await withServerOnKv({ UPLOAD_IDLE_TIMEOUT_S: "1" }, async (server, slotState) => {
    const a = await mint(server, "CP-A");
    const held = heldBody(randomBytes(100), randomBytes(100));
    const started = Date.now();
    const stalled = fetch(a.url, { method: "PUT", body: held.stream }).then(status, () => 0);
    await until(async () => await slotState(a.url) === "uploading", "the upload to start");
    await until(async () => await slotState(a.url) === "open", "the stalled upload to be cut off");
    assert(Date.now() - started < 5_000, `cut off after ${Date.now() - started} ms`);
    assertEquals(await status(await fetch(a.url, { method: "PUT", body: "the real file" })), 201);
    held.finish();
    assert([408, 0].includes(await stalled), "the staller is told 408 or hung up on");
    const download = await server.api(`/api/v1/uploads/${a.uploadId}/content`, { as: "operator" });
    assertEquals(await download.text(), "the real file");
  });
});

Deno.test("no URL is minted for a station the Central System does not know, nor for one that cannot get the command", async () => {
  await withServerOnKv({}, async (server, _slotState, kv) => {
    const slots = async () => (await Array.fromAsync(kv.list({ prefix: ["upload_slot"] }))).length;
    const typo = await server.json("/api/v1/charge-points/CP-TYPO/upload-urls", {
      method: "POST",
      as: "operator",
      body: { kind: "diagnostics" },
    });
    assertEquals([typo.status, typo.body.error], [404, "not_found"], JSON.stringify(typo.body));
    assertMatch(typo.body.message, /"CP-TYPO" is unknown/);

    // Known but offline: the command is refused as not connected before any URL is minted.
    await register(server, "CP-OFF");
    const command = await server.json("/api/v1/charge-points/CP-OFF/GetDiagnostics", {
      method: "POST",
      as: "operator",
      body: { location: "csms:upload" },
    });
    assertEquals([command.status, command.body.error], [409, "not_connected"], JSON.stringify(command.body));
    const unknownCommand = await server.json("/api/v1/charge-points/CP-TYPO/GetLog", {
      method: "POST",
      as: "operator",
      body: { logType: "SecurityLog", requestId: 1, log: { remoteLocation: "csms:upload" } },
    });
    // An id never seen: 404, as the upload URL's.
    assertEquals(unknownCommand.status, 404, JSON.stringify(unknownCommand.body));
    assertEquals(await slots(), 0, "no slot was minted for any of them");

    // A firmware link names its station in the body: the same rule, the field named.
    const form = new FormData();
    form.set("name", "Volt 1");
    form.set("file", new File([randomBytes(10)], "volt.bin"));
    const uploaded = await fetch(`${server.url}/api/v1/firmware`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.tokens.admin}` },
      body: form,
    });
    assertEquals(uploaded.status, 201, await uploaded.clone().text());
    const fw = await uploaded.json();
    const link = await server.json(`/api/v1/firmware/${fw.id}/links`, {
      method: "POST",
      as: "operator",
      body: { chargePointId: "CP-TYPO" },
    });
    assertEquals([link.status, link.body.details?.field], [404, "chargePointId"], JSON.stringify(link.body));

    // A decommissioned station is refused when it connects: its URL would wait for nobody.
    const out = await server.json("/api/v1/charge-points/CP-OFF", { method: "DELETE" });
    assertEquals(out.status, 200, JSON.stringify(out.body));
    const retired = await server.json("/api/v1/charge-points/CP-OFF/upload-urls", {
      method: "POST",
      as: "operator",
      body: { kind: "diagnostics" },
    });
    assertEquals([retired.status, retired.body.error], [409, "conflict"], JSON.stringify(retired.body));
    assertEquals(await slots(), 0);
    assertEquals((await mint(server, "CP-ON")).url.includes("/files/upload/CP-ON/"), true);
    assertEquals(await slots(), 1);
  });
});

Deno.test("a firmware form refused after its image streamed in leaves no bytes behind; 413 comes as JSON", async () => {
  await withServerOnKv({ FIRMWARE_MAX_BYTES: "100000" }, async (server, _slotState, kv) => {
    const blobKeys = async () =>
      (await Array.fromAsync(kv.list({ prefix: ["blob"] }))).length +
      (await Array.fromAsync(kv.list({ prefix: ["blob_chunk"] }))).length;
    const post = async (body: BodyInit, type?: string) => {
      const res = await fetch(`${server.url}/api/v1/firmware`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${server.tokens.admin}`,
          ...(type ? { "content-type": type } : {}),
        },
        body,
      });
      return { status: res.status, body: await res.json() };
    };
    // The signing data comes after the image: the image is stored first, then dropped.
    const signedLate = new FormData();
    signedLate.append("name", "late");
    signedLate.append("file", new File([randomBytes(90_000)], "late.bin"));
    signedLate.append("signature", "c2ln");
    signedLate.append("signingCertificate", "junk");
    const refused = await post(signedLate);
    assertEquals(refused.status, 400, JSON.stringify(refused.body));
    assertMatch(refused.body.message, /certificate/);
    // The name after the image, and too long.
    const named = new FormData();
    named.append("file", new File([randomBytes(10)], "a.bin"));
    named.append("name", "n".repeat(201));
    assertEquals((await post(named)).body.details.field, "name");
    // A field longer than any signing certificate is not kept in memory.
    const huge = new FormData();
    huge.append("file", new File([randomBytes(10)], "a.bin"));
    huge.append("signingCertificate", "x".repeat(20_000));
    assertEquals((await post(huge)).body.details.field, "signingCertificate");

    // Chunked (no Content-Length), past FIRMWARE_MAX_BYTES: 413 with the API's JSON body, counted as it streamed.
    const bigForm = new FormData();
    bigForm.append("name", "big");
    bigForm.append("file", new File([randomBytes(150_000)], "big.bin"));
    const request = new Request("http://x/", { method: "POST", body: bigForm });
    const type = request.headers.get("content-type")!;
    const bytes = new Uint8Array(await request.arrayBuffer());
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
        controller.close();
      },
    });
    const big = await post(chunked, type);
    assertEquals([big.status, big.body.error], [413, "payload_too_large"], JSON.stringify(big.body));
    // Cut off before its closing delimiter: 400, not a stored half image.
    const truncated = await post(bytes.slice(0, 50_000), type);
    assertEquals(truncated.status, 400, JSON.stringify(truncated.body));

    assertEquals((await server.json("/api/v1/firmware", { as: "viewer" })).body.items, []);
    assertEquals(await blobKeys(), 0, "no staged image is left");

    // Fields after the image are read too, and the stored bytes are the image's.
    const late = new FormData();
    const image = randomBytes(99_000);
    late.append("file", new File([image], "volt.bin"));
    late.append("name", "Volt 3");
    const ok = await post(late);
    assertEquals([ok.status, ok.body.name, ok.body.size], [201, "Volt 3", 99_000], JSON.stringify(ok.body));
    assertEquals(ok.body.sha256, await sha256Hex(image));
  });
});

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A firmware form (name, then the image) split at `splitAt` bytes of its image: heldBody sends the rest later. */
function firmwareFormParts(image: Uint8Array, splitAt: number) {
  const boundary = "----firmware-held";
  const encoder = new TextEncoder();
  const head = encoder.encode(
    `--${boundary}\r\ncontent-disposition: form-data; name="name"\r\n\r\nVolt held\r\n` +
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="volt.bin"\r\n\r\n`,
  );
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  return {
    type: `multipart/form-data; boundary=${boundary}`,
    first: new Uint8Array([...head, ...image.subarray(0, splitAt)]),
    rest: new Uint8Array([...image.subarray(splitAt), ...tail]),
  };
}

/** What KV holds of firmware stagings and blobs. */
async function firmwareLeftovers(kv: Deno.Kv) {
  const count = async (prefix: string) => (await Array.fromAsync(kv.list({ prefix: [prefix] }))).length;
  return {
    stagings: await count("firmware_staging"),
    blobKeys: await count("blob") + await count("blob_chunk"),
  };
}

Deno.test("a firmware upload that stops sending mid-body is cut off after FIRMWARE_IDLE_TIMEOUT_S: 408, no image, no bytes", async () => {
  await withServerOnKv({ FIRMWARE_IDLE_TIMEOUT_S: "1" }, async (server, _slotState, kv) => {
    // Past KV's first flush of chunks (8 x 60,000 bytes), so bytes are in the store when it stalls.
    const form = firmwareFormParts(randomBytes(700_000), 600_000);
    const held = heldBody(form.first, form.rest);
    const started = Date.now();
    const stalled = fetch(`${server.url}/api/v1/firmware`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.tokens.admin}`, "content-type": form.type },
      body: held.stream,
    }).then(
      async (res) => ({ status: res.status, body: await res.json() }),
      () => ({ status: 0, body: null }),
    );
    await until(async () => {
      const left = await firmwareLeftovers(kv);
      return left.stagings === 1 && left.blobKeys > 0;
    }, "the image's bytes to be staged");
    await until(async () => (await firmwareLeftovers(kv)).stagings === 0, "the stalled upload to be cut off");
    const elapsed = Date.now() - started;
    assert(elapsed >= 900 && elapsed < 5_000, `cut off after ${elapsed} ms`);
    held.finish();
    const answer = await stalled;
    assert([408, 0].includes(answer.status), `the staller is told 408 or hung up on: ${answer.status}`);
    if (answer.status === 408) assertEquals(answer.body.error, "upload_stalled");
    assertEquals((await server.json("/api/v1/firmware", { as: "viewer" })).body.items, []);
    assertEquals(
      await firmwareLeftovers(kv),
      { stagings: 0, blobKeys: 0 },
      "nothing staged is left to sweep",
    );
  });
});

Deno.test("past FIRMWARE_MAX_CONCURRENT a firmware upload gets 503 with Retry-After and a JSON body; the others complete", async () => {
  await withServerOnKv({ FIRMWARE_MAX_CONCURRENT: "2" }, async (server, _slotState, kv) => {
    const headers = (type?: string) => ({
      authorization: `Bearer ${server.tokens.admin}`,
      ...(type ? { "content-type": type } : {}),
    });
    const images = [randomBytes(50_000), randomBytes(60_000)];
    const helds = images.map((image) => {
      const form = firmwareFormParts(image, 1000);
      const held = heldBody(form.first, form.rest);
      const answer = fetch(`${server.url}/api/v1/firmware`, {
        method: "POST",
        headers: headers(form.type),
        body: held.stream,
      }).then(async (res) => ({ status: res.status, body: await res.json() }));
      return { held, answer };
    });
    await until(async () => (await firmwareLeftovers(kv)).stagings === 2, "both uploads to be streaming");
    const post = () => {
      const form = new FormData();
      form.set("name", "Volt 3");
      form.set("file", new File([randomBytes(10)], "volt3.bin"));
      return fetch(`${server.url}/api/v1/firmware`, { method: "POST", headers: headers(), body: form });
    };
    const busy = await post();
    assertEquals(busy.status, 503);
    assertEquals(busy.headers.get("retry-after"), "30");
    const refusal = await busy.json();
    assertEquals([refusal.error, refusal.details.limit], ["busy", 2], JSON.stringify(refusal));
    assertMatch(refusal.message, /2 firmware uploads are in progress/);
    for (const { held } of helds) held.finish();
    const done = await Promise.all(helds.map(({ answer }) => answer));
    assertEquals(done.map((d) => [d.status, d.body.size]), [[201, 50_000], [201, 60_000]]);
    // Their places are free again.
    assertEquals(await status(await post()), 201);
    assertEquals((await server.json("/api/v1/firmware", { as: "viewer" })).body.items.length, 3);
    assertEquals((await firmwareLeftovers(kv)).stagings, 0);
  });
});

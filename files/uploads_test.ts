import { assert, assertEquals } from "@std/assert";
import { openKvHandle } from "../store/kv/handle.ts";
import { kvSecurityExtension } from "../store/kv/security_extension.ts";
import { StationUploads } from "./uploads.ts";

async function withUploads(fn: (u: StationUploads, clock: { now: Date }) => Promise<void>) {
  const kv = await openKvHandle(":memory:");
  const clock = { now: new Date("2024-05-01T10:00:00Z") };
  const { files, blobs } = kvSecurityExtension(kv);
  try {
    await fn(
      new StationUploads({
        files,
        blobs,
        now: () => clock.now,
        settings: { maxBytes: 100, ttlMs: 60_000, maxConcurrent: 4, idleMs: 5_000 },
      }),
      clock,
    );
  } finally {
    kv.close();
  }
}

const body = (text: string) => new Response(text).body!;
const tokenOf = (url: string) => url.split("/").pop()!;

Deno.test("StationUploads: a minted URL takes one upload, whose bytes read back with size and digest", async () => {
  await withUploads(async (uploads) => {
    const minted = await uploads.mint({
      chargePointId: "CP 1",
      kind: "log",
      requestId: 5,
      logType: "SecurityLog",
      createdBy: "user:alice",
      baseUrl: "https://csms.example.com/",
    });
    assert(minted.url.startsWith("https://csms.example.com/files/upload/CP%201/"), minted.url);
    const token = tokenOf(minted.url);
    const result = await uploads.receive({
      chargePointId: "CP 1",
      token,
      body: body("hello log"),
      fileName: "../../etc/sec log.txt",
      contentType: "text/plain; charset=utf-8",
      remoteAddress: "127.0.0.1",
    });
    assert(result.ok);
    assertEquals(result.file.fileName, "sec_log.txt");
    assertEquals(result.file.contentType, "text/plain");
    assertEquals(result.file.size, 9);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode("hello log"));
    assertEquals(
      result.file.sha256,
      [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
    const opened = await uploads.open(minted.uploadId);
    assertEquals(await new Response(opened!.body).text(), "hello log");
    const again = await uploads.receive({
      chargePointId: "CP 1",
      token,
      body: body("x"),
      remoteAddress: null,
    });
    assertEquals(again, { ok: false, reason: "used" });
  });
});

Deno.test("StationUploads: too large, expired, another station's and junk tokens are refused", async () => {
  await withUploads(async (uploads, clock) => {
    const minted = await uploads.mint({
      chargePointId: "CP-1",
      kind: "diagnostics",
      createdBy: "u",
      baseUrl: "http://x",
    });
    const token = tokenOf(minted.url);
    const receive = (chargePointId: string, text: string, t = token) =>
      uploads.receive({ chargePointId, token: t, body: body(text), remoteAddress: null });
    assertEquals(await receive("CP-1", "x".repeat(101)), { ok: false, reason: "too_large" });
    assertEquals(await uploads.open(minted.uploadId), null);
    assertEquals(await receive("CP-2", "x"), { ok: false, reason: "wrong_station" });
    assertEquals(await receive("CP-1", "x", "short"), { ok: false, reason: "unknown" });
    assertEquals(await receive("CP-1", "x", "A".repeat(43)), { ok: false, reason: "unknown" });
    clock.now = new Date(clock.now.getTime() + 60_000);
    assertEquals(await receive("CP-1", "x"), { ok: false, reason: "expired" });
  });
});

Deno.test("StationUploads: after a refused oversized upload the station may retry with a file that fits", async () => {
  await withUploads(async (uploads) => {
    const minted = await uploads.mint({
      chargePointId: "CP-1",
      kind: "diagnostics",
      createdBy: "u",
      baseUrl: "http://x",
    });
    const token = tokenOf(minted.url);
    assertEquals(
      (await uploads.receive({
        chargePointId: "CP-1",
        token,
        body: body("x".repeat(500)),
        remoteAddress: null,
      })).ok,
      false,
    );
    const ok = await uploads.receive({
      chargePointId: "CP-1",
      token,
      body: body("x".repeat(100)),
      remoteAddress: null,
    });
    assert(ok.ok);
    assertEquals(ok.file.fileName.startsWith("diagnostics-"), true);
  });
});

/**
 * A server killed (SIGKILL) while a station's upload streams in leaves the slot "uploading" with no one to put
 * it back. After a restart the station's retry must be told "in progress" only while the dead upload's lease
 * could still run (UPLOAD_IDLE_TIMEOUT_S + UPLOAD_MAX_BYTES at the slowest rate), then succeed.
 */
import { assert, assertEquals, assertMatch } from "@std/assert";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";
import { uploadUrlMinter } from "./helpers/upload_urls.ts";

const IDLE_S = 8;

Deno.test("after a SIGKILL mid-upload and a restart, the URL opens again once the dead upload's lease is over", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms_upload_crash_" });
  // Lease: 8 s idle + 1 KiB at 64 KiB/s, about 8 s: long enough for the restart (a loaded machine took 2 s,
  // and more than 4 s with the whole suite and three other test runs on two cores).
  const env = {
    ADMIN_USER: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    KV_PATH: `${dir}/csms.kv`,
    UPLOAD_MAX_BYTES: "1024",
    UPLOAD_IDLE_TIMEOUT_S: String(IDLE_S),
  };
  let server = await spawnServer(env);
  try {
    const { url } = await (await uploadUrlMinter(server.url))("CP-1");
    let step = 0;
    const halfSent = Promise.withResolvers<void>();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (++step === 1) return controller.enqueue(new Uint8Array(100));
        halfSent.resolve();
        await new Promise(() => {}); // Never sends the rest.
      },
    });
    const claimedBy = Date.now();
    const stalled = fetch(url, { method: "PUT", body }).then((r) => r.body?.cancel(), () => {});
    await halfSent.promise;
    await new Promise((r) => setTimeout(r, 300)); // The server claims the slot as the request arrives.
    await server.kill("SIGKILL");
    await stalled;

    server = await spawnServer(env);
    // The same URL on the restarted server (a new port).
    const path = new URL(url).pathname;
    const early = await fetch(`${server.url}${path}`, { method: "PUT", body: "too soon" });
    assertEquals(
      early.status,
      409,
      `the dead upload's claim is still within its lease (${Date.now() - claimedBy} ms after the claim)`,
    );
    assertMatch((await early.json()).message, /in progress/);
    await new Promise((r) => setTimeout(r, claimedBy + IDLE_S * 1000 + 16 + 500 - Date.now()));
    const retry = await fetch(`${server.url}${path}`, { method: "PUT", body: "the real file" });
    assertEquals(retry.status, 201, await retry.clone().text());
    await retry.body?.cancel();
    assert(
      (await fetch(`${server.url}${path}`, { method: "PUT", body: "x" }).then((r) => r.json())).message
        .includes("used"),
    );
  } finally {
    await server.kill();
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Issue 10 item 2, as an attacker would try it: request bodies without Content-Length (chunked) to the
 * anonymous login endpoints and to the API. The server (a real child process, so its memory can be read from
 * /proc) must answer 413 with the JSON error body after the limit, without reading the rest, and its resident
 * memory must not balloon.
 */
import { assert, assertEquals } from "@std/assert";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";

/** A chunked body of `totalBytes` made on the fly (never held in memory), counting what was pulled. */
function hugeBody(totalBytes: number, fill = 0x61) {
  const chunk = new Uint8Array(64 * 1024).fill(fill);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= totalBytes) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, sent: () => sent };
}

async function rssBytes(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb * 1024;
}

/** Posts a 300 MB chunked body; the status and body of the answer (or the error, when the server hung up). */
async function postHuge(url: string, headers: Record<string, string>) {
  const body = hugeBody(300 * 1024 * 1024);
  try {
    const res = await fetch(url, { method: "POST", headers, body: body.stream });
    const text = await res.text();
    return { status: res.status, text, sent: body.sent() };
  } catch (error) {
    return { status: 0, text: String(error), sent: body.sent() };
  }
}

const MB = 1024 * 1024;

Deno.test("300 MB chunked bodies to the login endpoints and the API get 413 with a JSON body; memory stays flat", async () => {
  const server = await spawnServer({ ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  try {
    // Warm up (the first requests load code), then measure.
    for (let i = 0; i < 3; i++) await (await fetch(`${server.url}/login`)).body?.cancel();
    const before = await rssBytes(server.child.pid);
    const targets: [string, Record<string, string>][] = [
      ["/api/v1/auth/login", { "content-type": "application/json" }],
      ["/login", { "content-type": "application/x-www-form-urlencoded" }],
      ["/api/v1/id-tags", { "content-type": "application/json" }],
      ["/api/v1/charge-points/CP-1/DataTransfer", { "content-type": "application/json" }],
    ];
    const answers = [];
    for (const [path, headers] of targets) {
      answers.push({ path, ...await postHuge(`${server.url}${path}`, headers) });
    }
    const after = await rssBytes(server.child.pid);
    assert(after - before < 40 * MB, `RSS grew from ${before / MB | 0} MB to ${after / MB | 0} MB`);
    for (const answer of answers) {
      // The server stops reading early: far less than 300 MB leaves the client.
      assert(answer.sent < 100 * MB, `${answer.path}: ${answer.sent} bytes sent`);
      if (answer.status !== 0) {
        assertEquals(answer.status, 413, `${answer.path}: ${answer.text.slice(0, 200)}`);
        const body = JSON.parse(answer.text);
        assertEquals(body.error, "payload_too_large");
        assertEquals(typeof body.message, "string");
      }
    }
    // The server is fine afterwards.
    assertEquals((await (await fetch(`${server.url}/healthz`)).json()).status, "ok");
  } finally {
    await server.kill();
  }
});

Deno.test("a login body just over 16 KiB is refused while a normal one is served; Content-Length is checked up front", async () => {
  const server = await spawnServer({ ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
  try {
    const padded = JSON.stringify({ username: ADMIN.username, password: "x".repeat(17 * 1024) });
    const declared = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: padded,
    });
    assertEquals(declared.status, 413);
    assertEquals((await declared.json()).error, "payload_too_large");
    const ok = await fetch(`${server.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(ADMIN),
    });
    await ok.body?.cancel();
    assertEquals(ok.status, 200);
  } finally {
    await server.kill();
  }
});

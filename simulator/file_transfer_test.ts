import { assertEquals } from "@std/assert";
import {
  downloadFirmware,
  firmwareVersionOf,
  type TransferDeps,
  uploadDiagnostics,
} from "./file_transfer.ts";

/** A real HTTP server on loopback that counts requests and answers `status`. */
function server(status: number) {
  const requests: Array<{ method: string; path: string; body: string }> = [];
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    requests.push({ method: req.method, path: new URL(req.url).pathname, body: await req.text() });
    return new Response("firmware-bytes", { status });
  });
  return { url: `http://127.0.0.1:${http.addr.port}`, requests, close: () => http.shutdown() };
}

const deps = (sleeps: number[] = []): TransferDeps => ({
  fetch,
  timeoutMs: 2000,
  sleep: (ms) => {
    sleeps.push(ms);
    return Promise.resolve();
  },
});

Deno.test("uploadDiagnostics() PUTs the file into a directory location and reports Uploading, Uploaded", async () => {
  const s = server(201);
  try {
    const statuses: string[] = [];
    const status = await uploadDiagnostics(
      deps(),
      { location: `${s.url}/diag/` },
      "SIM-1.log",
      "hello",
      (x) => statuses.push(x),
    );
    assertEquals(status, "Uploaded");
    assertEquals(statuses, ["Uploading", "Uploaded"]);
    assertEquals(s.requests, [{ method: "PUT", path: "/diag/SIM-1.log", body: "hello" }]);
  } finally {
    await s.close();
  }
});

Deno.test("uploadDiagnostics() retries retries times, retryInterval apart, then reports UploadFailed", async () => {
  const s = server(500);
  try {
    const statuses: string[] = [];
    const sleeps: number[] = [];
    const status = await uploadDiagnostics(
      deps(sleeps),
      { location: `${s.url}/up`, retries: 2, retryInterval: 7 },
      "f",
      "x",
      (x) => statuses.push(x),
    );
    assertEquals(status, "UploadFailed");
    assertEquals(statuses, ["Uploading", "UploadFailed"]);
    assertEquals(s.requests.length, 3);
    assertEquals(sleeps, [7000, 7000]);
  } finally {
    await s.close();
  }
});

Deno.test("an FTP location cannot be reached by a virtual station: UploadFailed / DownloadFailed", async () => {
  const statuses: string[] = [];
  await uploadDiagnostics(deps(), { location: "ftp://example.com/" }, "f", "x", (x) => statuses.push(x));
  assertEquals(
    await downloadFirmware(deps(), { location: "ftp://example.com/fw.bin" }, (x) => statuses.push(x)),
    false,
  );
  assertEquals(statuses, ["Uploading", "UploadFailed", "Downloading", "DownloadFailed"]);
});

Deno.test("downloadFirmware() GETs the file and reports Downloading, Downloaded", async () => {
  const s = server(200);
  try {
    const statuses: string[] = [];
    assertEquals(
      await downloadFirmware(deps(), { location: `${s.url}/fw/2.1.0.bin` }, (x) => statuses.push(x)),
      true,
    );
    assertEquals(statuses, ["Downloading", "Downloaded"]);
    assertEquals(s.requests.map((r) => [r.method, r.path]), [["GET", "/fw/2.1.0.bin"]]);
  } finally {
    await s.close();
  }
});

Deno.test("an unreachable server fails the download", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const statuses: string[] = [];
  assertEquals(
    await downloadFirmware(deps(), { location: `http://127.0.0.1:${port}/fw.bin` }, (x) => statuses.push(x)),
    false,
  );
  assertEquals(statuses, ["Downloading", "DownloadFailed"]);
});

Deno.test("firmwareVersionOf() takes the file name without its extension", () => {
  assertEquals(firmwareVersionOf("https://example.com/fw/2.1.0.bin?token=1"), "2.1.0");
  assertEquals(firmwareVersionOf("ftp://example.com/images/vs22-3.0"), "vs22-3");
  assertEquals(firmwareVersionOf("https://example.com/"), "example");
  assertEquals(firmwareVersionOf("x".repeat(80)).length, 50);
});

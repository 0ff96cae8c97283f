import { assertEquals, assertThrows } from "@std/assert";
import { parseConfig } from "./config.ts";

Deno.test("parseConfig() gives the documented defaults", () => {
  const config = parseConfig({});
  assertEquals([config.PORT, config.KV_PATH, config.DATABASE_URL, config.REGISTRATION_POLICY], [
    3001,
    "./data/csms.kv",
    undefined,
    "Accepted",
  ]);
});

Deno.test("parseConfig() treats a variable set to the empty string as unset", () => {
  assertEquals(parseConfig({ DATABASE_URL: "", PORT: "" }).DATABASE_URL, undefined);
  assertEquals(parseConfig({ PORT: "" }).PORT, 3001);
});

Deno.test("parseConfig() names every bad variable", () => {
  assertThrows(
    () => parseConfig({ PORT: "70000", REGISTRATION_POLICY: "Maybe" }),
    Error,
    "Invalid settings: PORT",
  );
});

Deno.test("parseConfig() listens on node:http by default, on Deno.serve on Deno Deploy or when HTTP_SERVER says", () => {
  assertEquals(parseConfig({}).HTTP_SERVER, "node");
  assertEquals(parseConfig({ HTTP_SERVER: "deno" }).HTTP_SERVER, "deno");
  assertEquals(parseConfig({ DENO_DEPLOYMENT_ID: "d1" }).HTTP_SERVER, "deno");
  assertEquals(parseConfig({ DENO_DEPLOYMENT_ID: "d1", HTTP_SERVER: "node" }).HTTP_SERVER, "node");
  assertThrows(() => parseConfig({ HTTP_SERVER: "uws" }), Error, "HTTP_SERVER");
});

Deno.test("parseConfig() settles pending certificates only after the longest wait for CertificateSigned's answer", () => {
  assertEquals(parseConfig({}).PKI_PENDING_SETTLE_S, 600);
  assertEquals(parseConfig({ CALL_TIMEOUT_MS: "2000", PKI_PENDING_SETTLE_S: "10" }).PKI_PENDING_SETTLE_S, 10);
  // A long CALL_TIMEOUT_MS moves the default past its bound (2 × 600 s + 5 s) rather than refusing to start.
  assertEquals(parseConfig({ CALL_TIMEOUT_MS: "600000" }).PKI_PENDING_SETTLE_S, 1265);
  assertThrows(
    () => parseConfig({ CALL_TIMEOUT_MS: "2000", PKI_PENDING_SETTLE_S: "9" }),
    Error,
    "PKI_PENDING_SETTLE_S=9 must be more than 9 s, the longest a CertificateSigned waits for its answer",
  );
});

Deno.test("parseConfig() ends a graceful stop's waits before the supervisor's SIGKILL", () => {
  assertEquals(parseConfig({}).SHUTDOWN_DEADLINE_S, 20);
  assertEquals(parseConfig({ WORKER_STOP_GRACE_S: "8" }).SHUTDOWN_DEADLINE_S, 5.3);
  assertEquals(parseConfig({ SHUTDOWN_DEADLINE_S: "45" }).SHUTDOWN_DEADLINE_S, 45);
  assertThrows(
    () => parseConfig({ SUPERVISED: "true", SHUTDOWN_DEADLINE_S: "30" }),
    Error,
    "SHUTDOWN_DEADLINE_S=30 must be less than WORKER_STOP_GRACE_S=30",
  );
  assertThrows(
    () =>
      parseConfig({
        WORKERS: "2",
        DATABASE_URL: "postgres://x/y",
        WORKER_STOP_GRACE_S: "10",
        SHUTDOWN_DEADLINE_S: "12",
      }),
    Error,
    "SHUTDOWN_DEADLINE_S=12 must be less than WORKER_STOP_GRACE_S=10",
  );
});

Deno.test("parseConfig() forgives MAX_BAD_FRAMES bad frames per BAD_FRAMES_WINDOW_S, 600 s unless told", () => {
  assertEquals(parseConfig({}).BAD_FRAMES_WINDOW_S, 600);
  assertEquals(parseConfig({ BAD_FRAMES_WINDOW_S: "2" }).BAD_FRAMES_WINDOW_S, 2);
  for (const bad of ["0", "-5", "1.5", "ten", String(7 * 86_400 + 1)]) {
    assertThrows(() => parseConfig({ BAD_FRAMES_WINDOW_S: bad }), Error, "BAD_FRAMES_WINDOW_S");
  }
});

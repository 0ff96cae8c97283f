/**
 * One process alone (Deno KV, no cluster), SIGKILLed while a command it sent waits for the station's answer:
 * the command's row was written `sending` before the CALL left, and the next run settles it `unknown` at
 * start-up (no other process could be sending it), so the operator sees that it went out.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test({
  name: "a command a crashed single process left sending is settled unknown by its next run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "cmdlog_crash_" });
    const env = { KV_PATH: `${dir}/csms.kv`, ADMIN_USER: ADMIN.username, ADMIN_PASSWORD: ADMIN.password };
    let server = await spawnServer(env);
    const station = await connectStation(server.wsUrl, "CP-K");
    try {
      let received = false;
      station.handle("Reset", () => {
        received = true;
        return new Promise(() => {});
      });
      let api = await adminApi(server.url);
      const resets = async () =>
        ((await api("/charge-points/CP-K/commands")).body.items as Json[]).filter((e) =>
          e.action === "Reset"
        );
      const sent = api("/charge-points/CP-K/Reset", { method: "POST", body: { type: "Hard" } }).catch(() =>
        null
      );
      await eventually(() => received, 5000, "CP-K got the Reset");
      assertEquals((await resets()).map((e) => e.outcome), ["sending"]);
      await server.kill("SIGKILL");
      await sent;

      server = await spawnServer(env);
      api = await adminApi(server.url);
      assertEquals((await resets()).map((e) => [e.outcome, e.response?.reason]), [[
        "unknown",
        "node lost: outcome unknown, the station may have acted",
      ]]);
    } finally {
      await closeStation(station).catch(() => {});
      await server.kill("SIGTERM");
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/**
 * A command the station received, whose connection closed before it answered, as an operator meets it: it
 * was reported "not connected" (409, and `not_connected` in the command log and a job's task), so an
 * operator or a job retry sent a Hard Reset or a RemoteStart twice (UI QA, session 30). Now 504 saying it
 * was sent, and `timeout` in the log; a command still queued behind it was never sent: 409 as before.
 */
import { assert, assertEquals } from "@std/assert";
import { withApiServer } from "./helpers/api_on_store.ts";
import { openRaw, rawCall } from "./helpers/station.ts";

Deno.test("a command sent before the connection closed is 504 'may have acted', a queued one 409", () =>
  withApiServer("kv", async (server) => {
    const station = await openRaw(`${server.wsUrl}/CP-DROP`);
    assertEquals(
      (await rawCall(station, "BootNotification", { chargePointVendor: "Acme", chargePointModel: "X" }))[0],
      3,
    );
    const command = (action: string, body: unknown) =>
      server.json(`/api/v1/charge-points/CP-DROP/${action}?force=true`, {
        method: "POST",
        as: "operator",
        body,
      });
    const reset = command("Reset", { type: "Hard" });
    const incoming = await station.next(10_000) as unknown[];
    assertEquals(incoming[2], "Reset");
    const queued = command("ClearCache", {});
    // Let the second command reach the station's queue before the connection goes.
    await new Promise((r) => setTimeout(r, 200));
    await station.close();
    const [sent, notSent] = await Promise.all([reset, queued]);
    assertEquals([sent.status, sent.body.error, sent.body.details.sent], [504, "station_timeout", true]);
    assert(String(sent.body.message).includes("may have acted"), sent.body.message);
    assertEquals([notSent.status, notSent.body.error], [409, "not_connected"]);
    const log = await server.json("/api/v1/charge-points/CP-DROP/commands", { as: "operator" });
    const outcomes = Object.fromEntries(
      log.body.items.map((e: { action: string; outcome: string }) => [e.action, e.outcome]),
    );
    assertEquals(outcomes, { Reset: "timeout", ClearCache: "not_connected" });
  }));

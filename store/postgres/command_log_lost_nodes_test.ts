/**
 * Settling a lost node's `sending` command rows (`settleCommandsOfLostNodes`) when the sweeping node's clock is
 * ahead (NTP skew): the grace for rows just written is counted back from the database's clock, so a live
 * command a node not yet seen alive just wrote is not settled `unknown`.
 */
import { assertEquals } from "@std/assert";
import type { CommandLogEntry } from "../../model/command_log.ts";
import { freshDatabase, ignoreWithoutPostgres } from "../../tests/helpers/postgres.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("command log lost node tests");

function sending(id: string, requestedAt: Date): CommandLogEntry {
  return {
    id,
    chargePointId: "CP-1",
    action: "Reset",
    payload: { type: "Soft" },
    requestedBy: "admin",
    requestedAt: requestedAt.toISOString(),
    outcome: "sending",
    response: null,
    finishedAt: null,
    nodeId: "new-node",
  };
}

Deno.test({
  name:
    "lost node commands: a sweeper 30 s ahead leaves a row just written, settles one older than the grace",
  ignore,
  async fn() {
    const db = await freshDatabase("skew3_command_log_lost");
    const store = await openPostgresStore(db.url);
    try {
      const graceMs = 15_000;
      await store.appendCommandLog(sending("cmd-live", new Date()));
      await store.appendCommandLog(sending("cmd-lost", new Date(Date.now() - 20_000)));
      // The sweeping node's clock is 30 s ahead; "new-node" is not in its list of live nodes yet.
      const sweeperNow = Date.now() + 30_000;
      const settled = await store.settleCommandsOfLostNodes(
        ["sweeper"],
        new Date(sweeperNow - graceMs).toISOString(),
        new Date(sweeperNow).toISOString(),
      );
      const outcomes = Object.fromEntries(
        (await store.listCommandLog("CP-1", 10)).map((e) => [e.id, e.outcome]),
      );
      assertEquals(outcomes, { "cmd-live": "sending", "cmd-lost": "unknown" });
      assertEquals(settled, 1);
    } finally {
      await store.close();
      await db.drop();
    }
  },
});

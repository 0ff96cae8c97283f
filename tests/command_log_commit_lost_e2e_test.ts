/**
 * An operator's command whose write-ahead row (`sending`) was committed by PostgreSQL but whose COMMIT answer
 * never reached the server (the connection broke right then): the command is not sent (503), yet its row is
 * stored `sending`. Nothing would settle it while this process lives (only a lost node's rows are swept), so
 * the log claimed for ever that a command the station never got was on its way. The row must be settled
 * as not sent.
 */
import { assertEquals } from "@std/assert";
import { adminApi } from "./helpers/admin_api.ts";
import { ADMIN } from "./helpers/api.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "./helpers/postgres.ts";
import { spawnServer } from "./helpers/process.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";
import { tcpProxy } from "./helpers/tcp_proxy.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const noPostgres = await ignoreWithoutPostgres("PostgreSQL command log lost-commit test");

Deno.test({
  name: "PostgreSQL: a command whose write-ahead row was committed unbeknown to us is settled as not sent",
  ignore: noPostgres,
  fn: async () => {
    const db = await migratedDatabase("faults42_cmdlog");
    const proxy = tcpProxy(new URL(db.url));
    const server = await spawnServer({
      DATABASE_URL: proxy.url(db.url),
      CLUSTER: "off",
      ADMIN_USER: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    const station = await connectStation(server.wsUrl, "CP-CMD");
    try {
      let received = false;
      station.handle("Reset", () => {
        received = true;
        return { status: "Accepted" };
      });
      const api = await adminApi(server.url);
      const resets = async () =>
        ((await api("/charge-points/CP-CMD/commands")).body.items as Json[]).filter((e) =>
          e.action === "Reset"
        );
      const lost = proxy.loseNextCommitAnswer();
      const sent = await api("/charge-points/CP-CMD/Reset", { method: "POST", body: { type: "Soft" } });
      await lost;
      assertEquals(sent.status, 503, JSON.stringify(sent.body));
      assertEquals(received, false, "the station never got the command");
      // The write-ahead row is stored (its COMMIT went through); it must not stay `sending`.
      let rows: Json[] = [];
      await eventually(
        async () => (rows = await resets()).length === 1 && rows[0].outcome !== "sending",
        15_000,
        "the row of the command not sent is settled",
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(rows.map((r) => r.outcome))}`);
      });
      const [row] = rows;
      assertEquals([row.outcome, row.response?.reason], [
        "refused",
        "not sent: its command log row could not be written",
      ]);
    } finally {
      await closeStation(station).catch(() => {});
      await server.kill("SIGTERM");
      await proxy.close();
      await db.drop();
    }
  },
});

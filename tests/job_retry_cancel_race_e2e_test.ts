/**
 * An operator cancels a job while another retries its failed commands: the cancel must stand. The retry's
 * "was it cancelled?" was read before its write, and the write made the job run again whatever it found: a
 * cancel landing between the two was undone, its stations sent the command after they were told it stopped.
 * Driven through HTTP on a real PostgreSQL, the two requests ordered by a lock the test holds on the job's row.
 */
import { assertEquals } from "@std/assert";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { openStores } from "../store/open.ts";
import { startApiServer } from "./helpers/api.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "./helpers/postgres.ts";
import { eventually } from "./helpers/server.ts";
import { closeStation, connectStation } from "./helpers/station.ts";

Deno.test({
  name: "a cancel that lands while a retry waits for the job is not undone by the retry",
  ignore: await ignoreWithoutPostgres("job retry and cancel race"),
  fn: () =>
    withMigratedDatabase(async (url, sql) => {
      const stores = await openStores(parseConfig({ DATABASE_URL: url }), createMemoryLogger());
      const server = await startApiServer({ FLEET_POLL_MS: "30", CALL_TIMEOUT_MS: "10000" }, stores);
      let answer = () => {};
      const answered = new Promise<void>((resolve) => (answer = resolve));
      const first = await connectStation(server.wsUrl, "RC-1-DONE");
      first.handle("ClearCache", () => (sentToFirst++, { status: "Accepted" }));
      let sentToFirst = 0;
      const slow = await connectStation(server.wsUrl, "RC-2-SLOW");
      slow.handle("ClearCache", async () => (await answered, { status: "Accepted" }));
      const third = await connectStation(server.wsUrl, "RC-3-WAIT");
      let sentToWaiting = 0;
      third.handle("ClearCache", () => (sentToWaiting++, { status: "Accepted" }));
      let release = () => {};
      let holding: Promise<unknown> = Promise.resolve();
      try {
        // Concurrency 1, in id order: RC-1 answered, RC-2 in flight, RC-3 waits.
        const created = await server.json("/api/v1/jobs", {
          method: "POST",
          as: "operator",
          body: {
            action: "ClearCache",
            chargePointIds: ["RC-1-DONE", "RC-2-SLOW", "RC-3-WAIT"],
            concurrency: 1,
          },
        });
        assertEquals(created.status, 201, JSON.stringify(created.body));
        const jobId = created.body.id as string;
        await eventually(
          async () => {
            const { counts } = (await server.json(`/api/v1/jobs/${jobId}`)).body;
            return counts.outcomes.accepted === 1 && counts.running === 1;
          },
          10_000,
          "RC-1 answered, RC-2 in flight",
        );

        // The job's row held, so the cancel and then the retry queue for it, in that order.
        const locked = Promise.withResolvers<void>();
        const held = new Promise<void>((resolve) => (release = resolve));
        holding = sql.begin(async (tx) => {
          await tx`select 1 from fleet_job where id = ${jobId} for update`;
          locked.resolve();
          await held;
        });
        await locked.promise;
        // Each request's lock of the job is told by its statement (the worker's claims may wait too).
        const waiting = async (statement: string, what: string) =>
          await eventually(
            async () => {
              const rows = await sql`
              select 1 from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and query like ${statement}`;
              return rows.length === 1;
            },
            10_000,
            what,
          );
        const cancel = server.json(`/api/v1/jobs/${jobId}/cancel`, { method: "POST", as: "operator" });
        await waiting("%select * from fleet_job where id = $1 for update%", "the cancel waits for the job");
        const retry = server.json(`/api/v1/jobs/${jobId}/retry`, {
          method: "POST",
          as: "operator",
          body: { outcomes: ["accepted"] },
        });
        await waiting("%select state from fleet_job where id = $1 for update%", "the retry waits behind it");
        release();
        await holding;

        const cancelled = await cancel;
        assertEquals([cancelled.status, cancelled.body.state], [200, "cancelled"]);
        const retried = await retry;
        assertEquals(retried.status, 409, JSON.stringify(retried.body));
        assertEquals(retried.body.error, "conflict");
        answer();
        await eventually(
          async () => (await server.json(`/api/v1/jobs/${jobId}`)).body.counts.running === 0,
          10_000,
          "RC-2's answer landed",
        );
        // Time for the worker (polling every 30 ms) to send what a revived job would send.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const job = (await server.json(`/api/v1/jobs/${jobId}`)).body;
        assertEquals(
          [job.state, job.counts.pending, job.counts.running],
          ["cancelled", 0, 0],
          JSON.stringify(job),
        );
        assertEquals(job.counts.outcomes, { accepted: 2, cancelled: 1 });
        assertEquals(sentToFirst, 1, "RC-1 was not sent the cancelled job's command again");
        assertEquals(sentToWaiting, 0, "RC-3 was not sent the cancelled job's command");
      } finally {
        release();
        await holding.catch(() => {});
        answer();
        await closeStation(first);
        await closeStation(slow);
        await closeStation(third);
        await server.close();
        await stores.close();
      }
    }),
});

import { assert, assertEquals, assertRejects } from "@std/assert";
import { measureFrameCost, median } from "./frame_cost.ts";
import { admin, ignoreWithoutPostgres, SERVER_URL } from "../tests/helpers/postgres.ts";

for (const mix of ["plain", "transaction"] as const) {
  Deno.test(`measureFrameCost() counts the answered CALLs of the ${mix} mix and their CPU`, async () => {
    const [round] = await measureFrameCost({
      stations: 5,
      mix,
      store: "noop",
      measureMs: 300,
      warmupMs: 100,
      rounds: 1,
      cluster: true,
    });
    assert(round, "one round measured");
    assert(round.answered > 50, `answered ${round.answered} CALLs in 300 ms`);
    assertEquals(round.errors, 0);
    // A mix on a path it should not take (a Stop of a transaction the store forgot: an orphan stop) warns.
    assertEquals(round.warnings, 0);
    assert(round.cpuUs > 0 && Number.isFinite(round.cpuUsPerCall), `CPU per CALL ${round.cpuUsPerCall}`);
  });
}

Deno.test("measureFrameCost() on the KV store answers every CALL", async () => {
  const [round] = await measureFrameCost({
    stations: 3,
    mix: "transaction",
    store: "kv",
    measureMs: 300,
    warmupMs: 100,
    rounds: 1,
    cluster: false,
  });
  assert(round && round.answered > 10, `answered ${round?.answered}`);
  assertEquals(round.errors, 0);
  assertEquals(round.warnings, 0);
});

Deno.test({
  name:
    "measureFrameCost() on PostgreSQL answers every CALL, counts its backends' CPU and drops its database",
  ignore: await ignoreWithoutPostgres("frame cost on PostgreSQL"),
  async fn() {
    const [round] = await measureFrameCost({
      stations: 3,
      mix: "transaction",
      store: "postgres",
      measureMs: 300,
      warmupMs: 100,
      rounds: 1,
      cluster: false,
      pgAdminUrl: SERVER_URL,
    });
    assert(round && round.answered > 10, `answered ${round?.answered}`);
    assertEquals(round.errors, 0);
    assertEquals(round.warnings, 0);
    assert(round.postgresUsPerCall! > 0, `PostgreSQL's backends ${round.postgresUsPerCall} µs per CALL`);
    const sql = admin();
    try {
      const left = await sql`select datname from pg_database where datname like 'csms_bench_%_frame_cost'`;
      assertEquals(left.length, 0, `left behind: ${left.map((r) => r.datname)}`);
    } finally {
      await sql.end();
    }
  },
});

Deno.test("measureFrameCost() hands its settings to the server (stations rejected at boot fail the run)", async () => {
  await assertRejects(
    () =>
      measureFrameCost({
        stations: 2,
        mix: "plain",
        store: "noop",
        measureMs: 100,
        warmupMs: 50,
        rounds: 1,
        cluster: false,
        env: { REGISTRATION_POLICY: "Rejected" },
      }),
    Error,
    "Boot of FC-00000 failed",
  );
});

Deno.test("median() is the middle value, or the mean of the two middle ones", () => {
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 3, 2]), 2.5);
});

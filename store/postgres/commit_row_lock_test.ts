/**
 * One station's row locked by someone else (an operator's or another node's transaction that does not end):
 * the group commit holding that station's write waits on the lock, and held every row it had updated before
 * it. Its other stations were answered only at the 10 s bound, and their next writes, in the next group
 * commits, waited on the rows the first one still held: every station stalled until the lock went. A group
 * commit waits for a lock only `lock_timeout`, then its members are written one by one: only the locked
 * station's write fails.
 */
import { assertEquals, assertLess } from "@std/assert";
import { emptyRecord } from "../../model/charge_point.ts";
import { ignoreWithoutPostgres, withMigratedDatabase } from "../../tests/helpers/postgres.ts";
import { openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL commit row-lock tests");

const STATIONS = 40;
const T0 = Date.parse("2026-12-07T09:00:00Z");

Deno.test({
  name:
    "a station's row locked by another transaction fails only that station's write; the others stay answered",
  ignore,
  fn: async () => {
    await withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url);
      const ids = Array.from({ length: STATIONS }, (_, i) => `CP-L-${i}`);
      const release = Promise.withResolvers<void>();
      let holding: Promise<unknown> = Promise.resolve();
      try {
        for (const id of ids) await store.putChargePoint(emptyRecord(id, new Date(T0)));
        const locked = Promise.withResolvers<void>();
        const victim = ids[STATIONS / 2]!;
        holding = observer.begin(async (tx) => {
          await tx`select id from charge_points where id = ${victim} for update`;
          locked.resolve();
          await release.promise;
        });
        await locked.promise;
        const seen = (n: number) => new Date(T0 + n * 60_000).toISOString();
        const write = async (id: string, n: number) => {
          const started = performance.now();
          const outcome = await store.commit({ chargePointId: id, lastSeen: seen(n) }).then(
            (r) => r.ok ? "stored" : "conflict",
            () => "failed",
          );
          return { id, outcome, ms: performance.now() - started };
        };
        // Every station writes at once: one group commit holds the locked station's write with the others'.
        const first = await Promise.all(ids.map((id) => write(id, 1)));
        assertEquals(
          first.filter((w) => w.outcome !== "stored").map((w) => `${w.id} ${w.outcome}`),
          [`${victim} failed`],
        );
        const slowest = Math.max(...first.filter((w) => w.id !== victim).map((w) => w.ms));
        assertLess(slowest, 6_000, `the others were answered within ${Math.round(slowest)} ms`);
        // Their next writes, the lock still held: no group commit waits on rows a stuck one holds.
        const others = ids.filter((id) => id !== victim);
        for (let round = 2; round <= 4; round++) {
          const next = await Promise.all(others.map((id) => write(id, round)));
          assertEquals(next.filter((w) => w.outcome !== "stored").map((w) => w.id), []);
          const ms = Math.max(...next.map((w) => w.ms));
          assertLess(ms, 1_500, `round ${round} answered within ${Math.round(ms)} ms`);
        }
        release.resolve();
        await holding;
        for (const id of others) assertEquals((await store.getChargePoint(id))?.lastSeen, seen(4));
        // The locked station writes again once the lock is gone.
        assertEquals((await write(victim, 5)).outcome, "stored");
        assertEquals((await store.getChargePoint(victim))?.lastSeen, seen(5));
      } finally {
        release.resolve();
        await holding.catch(() => {});
        await store.close();
      }
    });
  },
});

/**
 * PG_COMMITS_IN_FLIGHT in the server's store opener: how many PostgreSQL group commits may be in flight at
 * once. A commit held up by a row lock shows it: with 2 a second station's write commits beside it; with 1 it
 * waits for it.
 */
import { assert, assertEquals } from "@std/assert";
import { openPostgresPool } from "../postgres_pool.ts";
import { parseConfig } from "../config.ts";
import { createMemoryLogger } from "../logger.ts";
import { emptyRecord } from "../model/charge_point.ts";
import { ignoreWithoutPostgres, migratedDatabase } from "../tests/helpers/postgres.ts";
import { openStores } from "./open.ts";

const ignore = await ignoreWithoutPostgres("PG_COMMITS_IN_FLIGHT tests");

const AT = new Date("2026-12-02T10:00:00.000Z");
const LATER = "2026-12-02T11:00:00.000Z";
/** Long enough for a write on an idle local database, many times over. */
const SETTLES_MS = 1_500;

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens the server's stores with `inFlight` (unset: the default), holds CP-A's row locked from another
 * connection while CP-A's touch is in flight, and tells whether CP-B's touch committed meanwhile.
 */
async function secondCommitPassesABlockedOne(inFlight: string | undefined): Promise<boolean> {
  const db = await migratedDatabase();
  const env: Record<string, string> = { DATABASE_URL: db.url };
  if (inFlight !== undefined) env.PG_COMMITS_IN_FLIGHT = inFlight;
  const locker = openPostgresPool(db.url, { max: 1, onnotice: () => {} });
  try {
    const stores = await openStores(parseConfig(env), createMemoryLogger());
    try {
      const { store } = stores;
      for (const id of ["CP-A", "CP-B"]) {
        await store.putChargePoint({ ...emptyRecord(id, AT), registrationStatus: "Accepted" });
      }
      let release!: () => void;
      const released = new Promise<void>((resolve) => release = resolve);
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => locked = resolve);
      const holder = locker.begin(async (tx) => {
        await tx`select id from charge_points where id = 'CP-A' for update`;
        locked();
        await released;
      });
      await isLocked;
      const first = store.touchChargePoint("CP-A", LATER);
      // CP-A's commit is in flight (blocked on the lock) before CP-B's write arrives.
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert(!(await settlesWithin(first, 0)), "CP-A's write committed through the lock");
      const second = store.touchChargePoint("CP-B", LATER);
      const passed = await settlesWithin(second, SETTLES_MS);
      release();
      await holder;
      await Promise.all([first, second]);
      return passed;
    } finally {
      await stores.close();
    }
  } finally {
    await locker.end();
    await db.drop();
  }
}

Deno.test({
  name: "PG_COMMITS_IN_FLIGHT: 2 by default lets a write commit beside a blocked one; 1 makes it wait",
  ignore,
  async fn() {
    assertEquals(parseConfig({}).PG_COMMITS_IN_FLIGHT, 2);
    assert(await secondCommitPassesABlockedOne(undefined), "with the default, CP-B waited for CP-A's commit");
    assert(await secondCommitPassesABlockedOne("2"), "with 2, CP-B waited for CP-A's commit");
    assert(!(await secondCommitPassesABlockedOne("1")), "with 1, CP-B committed beside CP-A's commit");
  },
});

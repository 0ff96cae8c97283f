/**
 * PostgresStore: the shared Store contract plus what only PostgreSQL has (migrations, group commit, database
 * constraints). Every case gets a FRESH database (`csms_test_<random>`), dropped afterwards.
 *
 * The server is `TEST_DATABASE_URL` (any database on it; we connect there to CREATE/DROP ours), else
 * postgres://postgres@127.0.0.1:5432/postgres. With `CI=true` the tests always run (never silently skipped);
 * elsewhere they are registered as ignored, with a one-line reason, when no server answers.
 */
import { openPostgresPool } from "../../postgres_pool.ts";
import {
  assert,
  assertArrayIncludes,
  assertEquals,
  assertInstanceOf,
  assertLess,
  assertRejects,
  assertStrictEquals,
} from "@std/assert";
import {
  ignoreWithoutPostgres,
  migratedDatabase,
  withFreshDatabase,
  withMigratedDatabase,
} from "../../tests/helpers/postgres.ts";
import { emptyRecord } from "../../model/charge_point.ts";
import { startedTransaction } from "../../model/transaction.ts";
import type { MeterValueRow } from "../../model/meter_value.ts";
import { storeContract } from "../contract/mod.ts";
import { StoreUnavailableError } from "../mod.ts";
import { migrate, type Migration, MIGRATIONS } from "./migrate.ts";
import { type GroupCommitInfo, openPostgresStore } from "./mod.ts";

const ignore = await ignoreWithoutPostgres("PostgreSQL store tests");

storeContract("postgres", async () => {
  const db = await migratedDatabase();
  try {
    const store = await openPostgresStore(db.url);
    return {
      store,
      reopen: () => openPostgresStore(db.url),
      another: () => openPostgresStore(db.url),
      cleanup: db.drop,
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}, { ignore });

// ---------------------------------------------------------------- migrations

Deno.test({
  name: "migrate() applies every migration once, records it, and is a no-op on a migrated database",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      assertEquals(await migrate(sql), MIGRATIONS.map((m) => m.version));
      assertEquals(await migrate(sql), []);
      const rows = await sql`select version, name from schema_migrations order by version`;
      assertEquals(
        rows.map((r) => ({ ...r })),
        MIGRATIONS.map((m) => ({ version: m.version, name: m.name })),
      );
      const tables = await sql`
        select table_name from information_schema.tables where table_schema = 'public' order by table_name
      `;
      // The Store's tables (other migrations, such as the AuthStore's, add their own).
      assertArrayIncludes(tables.map((r) => r.table_name), [
        "charge_points",
        "command_log",
        "id_tags",
        "meter_values",
        "orphan_stops",
        "schema_migrations",
        "status_history",
        "transactions",
      ]);
    }),
});

Deno.test({
  name: "migrate() run by several nodes at once applies each migration exactly once",
  ignore,
  fn: () =>
    withFreshDatabase(async (url, sql) => {
      const nodes = Array.from({ length: 5 }, () => openPostgresPool(url, { max: 1, onnotice: () => {} }));
      try {
        const applied = await Promise.all(nodes.map((node) => migrate(node)));
        assertEquals(applied.filter((a) => a.length > 0), [MIGRATIONS.map((m) => m.version)]);
      } finally {
        await Promise.all(nodes.map((node) => node.end()));
      }
      const [row] = await sql`select count(*)::int as n from schema_migrations`;
      assertEquals(row?.n, MIGRATIONS.length);
    }),
});

Deno.test({
  name: "openPostgresStore() started by several nodes at once gives working stores on one schema",
  ignore,
  fn: () =>
    withFreshDatabase(async (url) => {
      const stores = await Promise.all(Array.from({ length: 3 }, () => openPostgresStore(url)));
      try {
        await stores[0]!.putIdTag({ idTag: "T", status: "Accepted", expiryDate: null, parentIdTag: null });
        assertEquals((await stores[2]!.getIdTag("T"))?.status, "Accepted");
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    }),
});

Deno.test({
  name: "migrate() upgrades a database left at an older version by applying only the newer migrations",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      assertEquals(await migrate(sql, MIGRATIONS.slice(0, 1)), [1]);
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-old', now(), now())`;
      assertEquals(await migrate(sql), MIGRATIONS.slice(1).map((m) => m.version));
      const [row] = await sql`select id from charge_points`;
      assertEquals(row?.id, "CP-old");
    }),
});

Deno.test({
  name: "putChargePoint() round-trips scheduledAvailability, and leaves it absent when there is none",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const store = await openPostgresStore(url);
      try {
        const base = {
          ...emptyRecord("CP-1", new Date("2024-05-01T10:00:00.000Z")),
          registrationStatus: "Accepted" as const,
        };
        const scheduled = {
          ...base,
          scheduledAvailability: [
            { connectorId: 1, type: "Inoperative" as const, requestedAt: "2024-05-01T10:00:00.000Z" },
          ],
        };
        await store.putChargePoint(scheduled);
        assertEquals(await store.getChargePoint("CP-1"), scheduled);
        await store.putChargePoint(base);
        const got = await store.getChargePoint("CP-1");
        assertEquals(got, base);
        assert(got !== null && !("scheduledAvailability" in got));
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "migrate() rolls back every pending migration when one of them fails",
  ignore,
  fn: () =>
    withFreshDatabase(async (_url, sql) => {
      const broken: Migration[] = [
        {
          version: 1,
          name: "good",
          up: "create table first_table (id int); create table second_table (id int);",
        },
        { version: 2, name: "bad", up: "create table third_table (id int); select no_such_function();" },
      ];
      await assertRejects(() => migrate(sql, broken), Error, "no_such_function");
      const [row] = await sql`
        select count(*)::int as n from information_schema.tables where table_schema = 'public'
      `;
      assertEquals(row?.n, 0, "Expected no table at all, schema_migrations included");
      await assertRejects(
        () => migrate(sql, [{ version: 2, name: "b", up: "" }, { version: 1, name: "a", up: "" }]),
        Error,
        "does not follow",
      );
    }),
});

// ---------------------------------------------------------------- group commit

function meterRow(chargePointId: string, i: number, overrides: Partial<MeterValueRow> = {}): MeterValueRow {
  return {
    chargePointId,
    connectorId: 1,
    transactionId: null,
    timestamp: new Date(Date.UTC(2024, 4, 1, 10, 0, i)).toISOString(),
    value: String(1000 + i),
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: "2024-05-01T10:05:00.000Z",
    ...overrides,
  };
}

Deno.test({
  name: "addMeterValues() from concurrent stations is one transaction, and each caller resolves after commit",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const commits: GroupCommitInfo[] = [];
      const store = await openPostgresStore(url, {
        groupCommitMs: 25,
        onGroupCommit: (i) => commits.push(i),
      });
      try {
        const stations = Array.from({ length: 40 }, (_, i) => `CP-${i}`);
        const seenAtResolve = await Promise.all(stations.map(async (cp) => {
          const added = await store.addMeterValues([meterRow(cp, 1), meterRow(cp, 2), meterRow(cp, 3)]);
          assertEquals(added, 3);
          // Another connection (its own snapshot) sees the rows the moment the promise resolves: committed.
          const [row] =
            await observer`select count(*)::int as n from meter_value_rows where charge_point_id = ${cp}`;
          return row?.n;
        }));
        assertEquals(seenAtResolve, stations.map(() => 3));
        const meter = commits.filter((c) => c.kind === "meterValues");
        assertEquals(meter.reduce((n, c) => n + c.callers, 0), 40);
        assertLess(meter.length, 4, `Expected the 40 callers in a few commits, got ${meter.length}`);
        assertEquals(meter.reduce((n, c) => n + c.rows, 0), 120);

        // A duplicate sent by two callers in one group counts once, for the first.
        const counts = await Promise.all([
          store.addMeterValues([meterRow("CP-0", 9)]),
          store.addMeterValues([meterRow("CP-0", 9), meterRow("CP-0", 10)]),
        ]);
        assertEquals(counts, [1, 1]);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "touchChargePoint() from concurrent stations is one statement, and each caller resolves after commit",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const commits: GroupCommitInfo[] = [];
      const store = await openPostgresStore(url, {
        groupCommitMs: 25,
        onGroupCommit: (i) => commits.push(i),
      });
      try {
        const stations = Array.from({ length: 30 }, (_, i) => `CP-${i}`);
        const at = "2024-05-01T10:00:00.000Z";
        for (const id of stations) {
          await store.putChargePoint({ ...emptyRecord(id, new Date(at)), registrationStatus: "Accepted" });
        }
        const lastSeen = "2024-05-01T11:00:00.123Z";
        const seen = await Promise.all(stations.map(async (id) => {
          await store.touchChargePoint(id, lastSeen);
          const [row] = await observer`select last_seen from charge_points where id = ${id}`;
          return (row?.last_seen as Date).toISOString();
        }));
        assertEquals(seen, stations.map(() => lastSeen));
        const touch = commits.filter((c) => c.kind === "touch");
        assertEquals(touch.reduce((n, c) => n + c.callers, 0), 30);
        assertLess(touch.length, 4);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "addMeterValues() in a group rejects only the caller whose rows the database refused",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { groupCommitMs: 25 });
      try {
        const results = await Promise.allSettled([
          store.addMeterValues([meterRow("CP-A", 1)]),
          // No transaction 424242: the foreign key refuses it.
          store.addMeterValues([meterRow("CP-B", 1), meterRow("CP-B", 2, { transactionId: 424242 })]),
          store.addMeterValues([meterRow("CP-C", 1), meterRow("CP-C", 2)]),
        ]);
        assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
        assertEquals(results[0]!.status === "fulfilled" && results[0]!.value, 1);
        assertEquals(results[2]!.status === "fulfilled" && results[2]!.value, 2);
        const failure = results[1]!.status === "rejected" ? results[1]!.reason : null;
        assertStrictEquals((failure as { code?: string }).code, "23503");
        assert(!(failure instanceof StoreUnavailableError));
        const rows = await observer`
          select charge_point_id, count(*)::int as n from meter_value_rows group by 1 order by 1
        `;
        assertEquals(rows.map((r) => [r.charge_point_id, r.n]), [["CP-A", 1], ["CP-C", 2]]);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "commit() one of whose statements fails stores none of its changes (one transaction)",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url);
      try {
        // Meter values (and the station's bare row) are sent first, the touch last: it fails, so none stays.
        await assertRejects(() =>
          store.commit({ chargePointId: "CP-A", meterValues: [meterRow("CP-A", 1)], lastSeen: "not a time" })
        );
        assertEquals((await observer`select count(*)::int as n from meter_value_rows`)[0]?.n, 0);
        assertEquals((await observer`select count(*)::int as n from charge_points`)[0]?.n, 0);
        // The same with a start (the guarded path: its insert is answered before the other statements go).
        const transaction = startedTransaction({
          chargePointId: "CP-C",
          connectorId: 1,
          idTag: "T",
          idTagStatus: "Accepted",
          meterStart: 0,
          timestamp: "2024-05-01T10:00:00.000Z",
          reservationId: null,
          receivedAt: "2024-05-01T10:00:00.000Z",
        }, await store.newTransactionId());
        await assertRejects(() =>
          store.commit({
            chargePointId: "CP-C",
            transactionsStarted: [transaction],
            meterValues: [meterRow("CP-C", 1)],
            lastSeen: "not a time",
          })
        );
        assertEquals((await observer`select count(*)::int as n from transactions`)[0]?.n, 0);
        assertEquals((await observer`select count(*)::int as n from meter_value_rows`)[0]?.n, 0);
        const result = await store.commit({ chargePointId: "CP-B", meterValues: [meterRow("CP-B", 1)] });
        assertEquals(result, { ok: true, meterValuesAdded: 1 });
        assertEquals((await observer`select count(*)::int as n from meter_value_rows`)[0]?.n, 1);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "touchChargePoint() in a group rejects only the caller whose input the database refused",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { groupCommitMs: 25 });
      try {
        await observer`
          insert into charge_points (id, created_at, updated_at)
          values ('CP-A', now(), now()), ('CP-B', now(), now())
        `;
        const results = await Promise.allSettled([
          store.touchChargePoint("CP-A", "2024-05-01T10:00:00.000Z"),
          store.touchChargePoint("CP-B", "not a time"),
        ]);
        assertEquals(results.map((r) => r.status), ["fulfilled", "rejected"]);
        const rows = await observer`select id, last_seen from charge_points order by id`;
        assertEquals(rows.map((r) => [r.id, (r.last_seen as Date | null)?.toISOString() ?? null]), [
          ["CP-A", "2024-05-01T10:00:00.000Z"],
          ["CP-B", null],
        ]);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name: "close() writes the pending group before it ends the pool, and later calls reject",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, observer) => {
      const store = await openPostgresStore(url, { groupCommitMs: 1000 });
      const pending = store.addMeterValues([meterRow("CP-1", 1)]);
      await store.close();
      assertEquals(await pending, 1);
      const [row] = await observer`select count(*)::int as n from meter_value_rows`;
      assertEquals(row?.n, 1);
      await assertRejects(() => store.getChargePoint("CP-1"), StoreUnavailableError, "closed");
    }),
});

// ---------------------------------------------------------------- the database's own guarantees

Deno.test({
  name: "the database itself refuses duplicate meter values, replayed starts and duplicate orphan stops",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url, sql) => {
      const store = await openPostgresStore(url);
      await store.close();
      await sql`insert into charge_points (id, created_at, updated_at) values ('CP-1', now(), now())`;

      const meter = sql`
        insert into meter_values (charge_point_id, connector_id, timestamp, value, context, format, measurand,
          location, unit, received_at)
        values ('CP-1', 1, '2024-05-01T10:00:00Z', '12.5', 'Sample.Periodic', 'Raw',
          'Energy.Active.Import.Register', 'Outlet', 'Wh', now())
      `;
      await meter.execute();
      await assertUniqueViolation(() =>
        sql`
        insert into meter_values (charge_point_id, connector_id, timestamp, value, context, format, measurand,
          location, unit, received_at)
        values ('CP-1', 1, '2024-05-01T10:00:00.000+00', '12.5', 'Sample.Periodic', 'SignedData',
          'Energy.Active.Import.Register', 'Outlet', 'kWh', now())
      `
      );
      // Another context is another value (migration 025).
      await sql`
        insert into meter_values (charge_point_id, connector_id, timestamp, value, context, format, measurand,
          location, unit, received_at)
        values ('CP-1', 1, '2024-05-01T10:00:00Z', '12.5', 'Transaction.Begin', 'Raw',
          'Energy.Active.Import.Register', 'Outlet', 'Wh', now())
      `;
      // phase '' (none) and a phase are different keys.
      await sql`
        insert into meter_values (charge_point_id, connector_id, timestamp, value, context, format, measurand,
          phase, location, unit, received_at)
        values ('CP-1', 1, '2024-05-01T10:00:00Z', '12.5', 'Sample.Periodic', 'Raw',
          'Energy.Active.Import.Register', 'L1', 'Outlet', 'Wh', now())
      `;

      const start = () =>
        sql`
        insert into transactions (charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start,
          start_timestamp, created_at)
        values ('CP-1', 1, 'TAG', 'Accepted', 100, '2024-05-01T10:00:00Z', now())
        returning transaction_id
      `;
      const [first] = await start();
      await assertUniqueViolation(start);
      const [next] = await sql`
        insert into transactions (charge_point_id, connector_id, id_tag, start_id_tag_status, meter_start,
          start_timestamp, created_at)
        values ('CP-1', 1, 'TAG', 'Accepted', 101, '2024-05-01T10:00:00Z', now())
        returning transaction_id
      `;
      // The failed insert used up an id: ids are never handed out twice, gaps are fine.
      assert(next!.transaction_id > first!.transaction_id + 1);
      await assertRejectsCode(() => sql`update transactions set status = 'lost'`, "23514");
      await assertRejectsCode(() => sql`update transactions set status = 'superseded'`, "23514");
      await assertRejectsCode(() => sql`update transactions set status = 'finished'`, "23514");
      await assertRejectsCode(
        () => sql`update transactions set status = 'superseded', superseded_by = 999999`,
        "23503",
      );

      const orphan = () =>
        sql`
        insert into orphan_stops (id, charge_point_id, transaction_id, meter_stop, timestamp, received_at)
        values (gen_random_uuid()::text, 'CP-1', -1, 500, '2024-05-01T11:00:00Z', now())
      `;
      await orphan();
      await assertUniqueViolation(orphan);
    }),
});

Deno.test({
  name: "a station that sends data before its snapshot gets a bare charge_points row instead of an error",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const store = await openPostgresStore(url);
      try {
        await store.appendStatusHistory({
          chargePointId: "CP-early",
          connectorId: 1,
          status: "Available",
          errorCode: "NoError",
          timestamp: "2024-05-01T10:00:00.000Z",
          receivedAt: "2024-05-01T10:00:00.500Z",
        });
        assertEquals(await store.addMeterValues([meterRow("CP-meter", 1)]), 1);
        const started = await store.startTransaction({
          chargePointId: "CP-tx",
          connectorId: 1,
          idTag: "TAG",
          idTagStatus: "Accepted",
          meterStart: 0,
          timestamp: "2024-05-01T10:00:00.000Z",
          reservationId: null,
          receivedAt: "2024-05-01T10:00:00.000Z",
        });
        assertEquals(started.replayed, false);
        assertEquals(await store.getChargePoint("CP-early"), {
          ...emptyRecord("CP-early", new Date("2024-05-01T10:00:00.500Z")),
        });
        assertEquals((await store.listChargePoints({ limit: 10 })).map((c) => c.id), [
          "CP-early",
          "CP-meter",
          "CP-tx",
        ]);
      } finally {
        await store.close();
      }
    }),
});

// Needs no server: nothing listens on port 1.
Deno.test("openPostgresStore() rejects with StoreUnavailableError at once when nothing listens", async () => {
  const started = performance.now();
  const err = await assertRejects(
    () => openPostgresStore("postgres://postgres@127.0.0.1:1/postgres", { connectTimeoutSeconds: 2 }),
    StoreUnavailableError,
  );
  assertInstanceOf(err, StoreUnavailableError);
  assertLess(performance.now() - started, 3000);
});

// Needs no server: a listener that accepts and never answers, as a host behind a broken network does.
Deno.test("openPostgresStore() rejects with StoreUnavailableError after the connect timeout when the server is silent", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const started = performance.now();
    await assertRejects(
      () =>
        openPostgresStore(`postgres://postgres@127.0.0.1:${listener.addr.port}/postgres`, {
          connectTimeoutSeconds: 1,
        }),
      StoreUnavailableError,
    );
    assertLess(performance.now() - started, 3000);
  } finally {
    listener.close();
    await accepting;
    for (const conn of held) conn.close();
  }
});

/** A TCP proxy to the test server that can stop passing bytes, like a network partition (no reset). */
function partitionableProxy(target: URL) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const pumps: Promise<void>[] = [];
  let frozen: PromiseWithResolvers<void> | null = null;
  const pump = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        while (frozen) await frozen.promise;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // a side closed: the other pump ends too
    } finally {
      try {
        to.closeWrite();
      } catch {
        // already closed
      }
    }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port || 5432) });
      conns.push(client, server);
      pumps.push(pump(client, server), pump(server, client));
    }
  })();
  return {
    port: listener.addr.port,
    freeze: () => {
      frozen = Promise.withResolvers<void>();
    },
    thaw: () => {
      const f = frozen;
      frozen = null;
      f?.resolve();
    },
    close: async () => {
      listener.close();
      await accepting;
      for (const c of conns) c.close();
      await Promise.all(pumps);
    },
  };
}

Deno.test({
  name:
    "a store call over a connection that stops answering rejects with StoreUnavailableError in bounded time",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const target = new URL(url);
      const proxy = partitionableProxy(target);
      const viaProxy = new URL(url);
      viaProxy.hostname = "127.0.0.1";
      viaProxy.port = String(proxy.port);
      const store = await openPostgresStore(viaProxy.toString(), {
        maxConnections: 1,
        operationTimeoutMs: 800,
        connectTimeoutSeconds: 1,
      });
      try {
        await store.putIdTag({ idTag: "T", status: "Accepted", expiryDate: null, parentIdTag: null });
        proxy.freeze();
        const started = performance.now();
        await assertRejects(
          () => store.putIdTag({ idTag: "U", status: "Accepted", expiryDate: null, parentIdTag: null }),
          StoreUnavailableError,
          "no answer",
        );
        assertLess(performance.now() - started, 2000);
        proxy.thaw();
        // Once the network is back the store answers again, on the same instance.
        assertEquals((await store.getIdTag("T"))?.status, "Accepted");
      } finally {
        proxy.thaw();
        await store.close();
        await proxy.close();
      }
    }),
});

async function assertRejectsCode(fn: () => PromiseLike<unknown>, code: string): Promise<void> {
  const err = await assertRejects(fn);
  assertStrictEquals((err as { code?: string }).code, code, `Expected SQLSTATE ${code}, got: ${err.message}`);
}

function assertUniqueViolation(fn: () => PromiseLike<unknown>): Promise<void> {
  return assertRejectsCode(fn, "23505");
}

Deno.test({
  name: "recordStatus() is one statement: a history row the database refuses leaves the snapshot as it was",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const store = await openPostgresStore(url);
      try {
        const before = {
          ...emptyRecord("CP-1", new Date("2024-05-01T10:00:00.000Z")),
          registrationStatus: "Accepted" as const,
          lastSeen: "2024-05-01T10:00:00.000Z",
        };
        await store.putChargePoint(before);
        const entry = {
          chargePointId: "CP-1",
          connectorId: 1,
          status: "Faulted" as const,
          errorCode: "GroundFailure" as const,
          timestamp: "not a time",
          receivedAt: "2024-05-01T10:01:00.000Z",
        };
        const after = {
          ...before,
          connectors: [{
            connectorId: 1,
            status: "Faulted" as const,
            errorCode: "GroundFailure" as const,
            timestamp: "2024-05-01T10:01:00.000Z",
          }],
          updatedAt: "2024-05-01T10:01:00.000Z",
        };
        await assertRejects(() => store.recordStatus(entry, after));
        assertEquals(await store.getChargePoint("CP-1"), before);
        assertEquals(await store.listStatusHistory("CP-1", 10), []);
      } finally {
        await store.close();
      }
    }),
});

Deno.test({
  name:
    "a meter value with a lone surrogate (valid JSON, not valid Unicode) is stored with U+FFFD in its place",
  ignore,
  fn: () =>
    withMigratedDatabase(async (url) => {
      const store = await openPostgresStore(url);
      try {
        await store.putChargePoint(emptyRecord("CP-S", new Date("2024-05-01T10:00:00Z")));
        const odd = meterRow("CP-S", 1, { value: "12\ud800", unit: "Wh\udc00" });
        assertEquals(await store.addMeterValues([odd, meterRow("CP-S", 2)]), 2);
        const stored = await store.listMeterValuesByChargePoint("CP-S", 10);
        assertEquals(stored.map((r) => r.value).sort(), ["12\ufffd", meterRow("CP-S", 2).value].sort());
        assertEquals(stored.find((r) => r.value === "12\ufffd")?.unit, "Wh\ufffd");
        // A literal backslash-u in a value is kept as written.
        assertEquals(await store.addMeterValues([meterRow("CP-S", 3, { value: "\\ud800" })]), 1);
        assertArrayIncludes((await store.listMeterValuesByChargePoint("CP-S", 10)).map((r) => r.value), [
          "\\ud800",
        ]);
      } finally {
        await store.close();
      }
    }),
});

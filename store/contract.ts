/**
 * The Store contract: one suite of behaviours, registered as `Deno.test` cases, that every Store implementation
 * must pass. It depends only on the `Store` interface, so the same cases run against Deno KV and PostgreSQL.
 *
 * Each case opens a fresh, empty store through the factory, closes every Store it got (including reopened
 * ones) and then calls `cleanup()` to remove what backed it (a temp folder, a schema).
 *
 * @example
 * ```ts ignore
 * import { storeContract } from "./contract.ts";
 * import { openKvStore } from "./kv.ts";
 *
 * storeContract("kv", async () => ({ store: await openKvStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import {
  assert,
  assertEquals,
  assertExists,
  assertGreater,
  assertLess,
  assertNotEquals,
  assertStrictEquals,
} from "@std/assert";
import type {
  ChargePointRecord,
  CommandLogEntry,
  IdTagRecord,
  MeterValueRow,
  StartTransactionInput,
  StatusHistoryEntry,
  StopTransactionInput,
  Store,
  TransactionFilter,
  TransactionRecord,
} from "./store.ts";

/** What a contract factory hands to each case. */
export interface ContractHandle {
  /** A fresh, empty store. The suite closes it. */
  store: Store;
  /** Removes the backing resources; called after every Store of the case is closed. */
  cleanup: () => Promise<void>;
  /** Opens the same backing store again (only for persistent backends); the suite closes the result. */
  reopen?: () => Promise<Store>;
}

export interface ContractOptions {
  /** true, or the reason as a string (e.g. "DATABASE_URL is not set"), to register every case as ignored. */
  ignore?: boolean | string;
}

interface CaseContext {
  /** The store of the case; changes after `reopen()`. */
  store: () => Store;
  /** Closes the current store and opens the same backing store again; null when the backend cannot. */
  reopen: (() => Promise<Store>) | null;
  t: Deno.TestContext;
}

/** Records about a station may reference its ChargePointRecord (PostgreSQL: foreign keys), so put them first. */
const STATIONS = ["CP-1", "CP-2", "CP-7", "CP-8"];

const T0 = Date.parse("2024-05-01T10:00:00.000Z");

/** A UTC ISO time `minutes` after the fixed test epoch. */
function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

function chargePoint(id: string, overrides: Partial<ChargePointRecord> = {}): ChargePointRecord {
  return {
    id,
    registrationStatus: "Accepted",
    boot: {
      chargePointVendor: "Acme",
      chargePointModel: "Volt-22",
      chargePointSerialNumber: "SN-1",
      firmwareVersion: "1.2.3",
    },
    bootedAt: at(0),
    connectors: [
      { connectorId: 0, status: "Available", errorCode: "NoError", timestamp: at(0) },
      {
        connectorId: 1,
        status: "Charging",
        errorCode: "NoError",
        info: "plugged",
        vendorId: "Acme",
        vendorErrorCode: "E0",
        timestamp: at(1),
        transactionId: 7,
      },
    ],
    lastSeen: at(1),
    firmwareStatus: null,
    diagnosticsStatus: "Idle",
    configuration: [
      { key: "HeartbeatInterval", readonly: false, value: "300" },
      { key: "NumberOfConnectors", readonly: true, value: "1" },
      { key: "AuthorizationKey", readonly: false },
    ],
    scheduledAvailability: [{ connectorId: 1, type: "Inoperative", requestedAt: at(1) }],
    localListVersion: 4,
    reservations: [
      {
        reservationId: 9,
        connectorId: 1,
        idTag: "TAG-1",
        parentIdTag: "FLEET",
        expiryDate: at(60),
        requestedAt: at(1),
      },
    ],
    createdAt: at(0),
    updatedAt: at(1),
    ...overrides,
  };
}

function startInput(overrides: Partial<StartTransactionInput> = {}): StartTransactionInput {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    idTag: "TAG-1",
    idTagStatus: "Accepted",
    meterStart: 1000,
    timestamp: at(10),
    reservationId: null,
    receivedAt: at(10.01),
    ...overrides,
  };
}

function stopInput(
  transactionId: number,
  overrides: Partial<StopTransactionInput> = {},
): StopTransactionInput {
  return {
    chargePointId: "CP-1",
    transactionId,
    idTag: "TAG-1",
    idTagStatus: "Accepted",
    meterStop: 4500,
    timestamp: at(40),
    reason: "Local",
    transactionData: null,
    receivedAt: at(40.01),
    ...overrides,
  };
}

function meterRow(overrides: Partial<MeterValueRow> = {}): MeterValueRow {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    transactionId: null,
    timestamp: at(20),
    value: "1234.5",
    context: "Sample.Periodic",
    format: "Raw",
    measurand: "Energy.Active.Import.Register",
    phase: null,
    location: "Outlet",
    unit: "Wh",
    receivedAt: at(20.01),
    ...overrides,
  };
}

function statusEntry(overrides: Partial<StatusHistoryEntry> = {}): StatusHistoryEntry {
  return {
    chargePointId: "CP-1",
    connectorId: 1,
    status: "Available",
    errorCode: "NoError",
    timestamp: at(0),
    receivedAt: at(0),
    ...overrides,
  };
}

function command(id: string, overrides: Partial<CommandLogEntry> = {}): CommandLogEntry {
  return {
    id,
    chargePointId: "CP-1",
    action: "Reset",
    payload: { type: "Soft" },
    requestedBy: "operator@example.com",
    requestedAt: at(0),
    outcome: "accepted",
    response: { status: "Accepted" },
    finishedAt: at(0.01),
    ...overrides,
  };
}

function ids(records: { transactionId: number }[]): number[] {
  return records.map((r) => r.transactionId);
}

/**
 * Registers the contract cases for one Store implementation. `open` must give a fresh, empty store each time.
 */
export function storeContract(
  name: string,
  open: () => Promise<ContractHandle>,
  options: ContractOptions = {},
): void {
  const ignore = options.ignore === undefined ? false : options.ignore !== false;

  function test(title: string, fn: (c: CaseContext) => Promise<void>): void {
    Deno.test({
      name: `${name}: ${title}`,
      ignore,
      fn: async (t) => {
        const handle = await open();
        let current: Store | null = handle.store;
        const reopenFn = handle.reopen;
        const ctx: CaseContext = {
          store: () => {
            if (current === null) throw new Error("The store of this case is closed");
            return current;
          },
          reopen: reopenFn
            ? async () => {
              const previous = current;
              current = null;
              await previous?.close();
              current = await reopenFn();
              return current;
            }
            : null,
          t,
        };
        try {
          await fn(ctx);
        } finally {
          try {
            await current?.close();
          } finally {
            await handle.cleanup();
          }
        }
      },
    });
  }

  /** A case whose store already holds the stations it writes about (status, transactions, meter values). */
  function stationTest(title: string, fn: (c: CaseContext) => Promise<void>): void {
    test(title, async (c) => {
      for (const id of STATIONS) await c.store().putChargePoint(chargePoint(id));
      await fn(c);
    });
  }

  // ---------------------------------------------------------------- charge points

  test("getChargePoint() returns null for an unknown id", async ({ store }) => {
    assertEquals(await store().getChargePoint("nope"), null);
  });

  test("putChargePoint() then getChargePoint() round-trips the whole snapshot", async ({ store }) => {
    const full = chargePoint("CP-1");
    await store().putChargePoint(full);
    assertEquals(await store().getChargePoint("CP-1"), full);

    const { scheduledAvailability: _s, localListVersion: _l, reservations: _r, ...withoutOptionals } =
      chargePoint(
        "CP-2",
        {
          registrationStatus: null,
          boot: null,
          bootedAt: null,
          connectors: [],
          lastSeen: null,
          diagnosticsStatus: null,
          configuration: null,
        },
      );
    const bare: ChargePointRecord = withoutOptionals;
    await store().putChargePoint(bare);
    assertEquals(await store().getChargePoint("CP-2"), bare);
  });

  test("putChargePoint() replaces the whole snapshot of an existing id", async ({ store }) => {
    await store().putChargePoint(chargePoint("CP-1"));
    const next = chargePoint("CP-1", {
      registrationStatus: "Pending",
      connectors: [{ connectorId: 1, status: "Faulted", errorCode: "GroundFailure", timestamp: at(5) }],
      configuration: null,
      updatedAt: at(5),
    });
    await store().putChargePoint(next);
    assertEquals(await store().getChargePoint("CP-1"), next);
    assertEquals((await store().listChargePoints({ limit: 10 })).length, 1);
  });

  stationTest(
    "snapshots and transactions survive closing and reopening the same backing store",
    async (c) => {
      await c.t.step({
        name: "after reopen, what was written is read back",
        ignore: c.reopen === null,
        fn: async () => {
          const cp = chargePoint("CP-1");
          await c.store().putChargePoint(cp);
          await c.store().putIdTag({
            idTag: "TAG-1",
            status: "Accepted",
            expiryDate: null,
            parentIdTag: null,
          });
          const first = await c.store().startTransaction(startInput());
          const stopped = await c.store().stopTransaction(stopInput(first.transaction.transactionId));

          const again = await c.reopen!();
          assertEquals(await again.getChargePoint("CP-1"), cp);
          assertEquals((await again.getIdTag("TAG-1"))?.status, "Accepted");
          assertEquals(await again.getTransaction(first.transaction.transactionId), stopped.transaction);

          // The id counter survives too: ids are never reused.
          const second = await again.startTransaction(startInput({ timestamp: at(50) }));
          assertGreater(second.transaction.transactionId, first.transaction.transactionId);
        },
      });
    },
  );

  test("touchChargePoint() changes only lastSeen", async ({ store }) => {
    const cp = chargePoint("CP-1", { lastSeen: at(1) });
    await store().putChargePoint(cp);
    await store().touchChargePoint("CP-1", at(30));
    assertEquals(await store().getChargePoint("CP-1"), { ...cp, lastSeen: at(30) });
  });

  test("touchChargePoint() does nothing for an unknown id", async ({ store }) => {
    await store().touchChargePoint("ghost", at(30));
    assertEquals(await store().getChargePoint("ghost"), null);
    assertEquals(await store().listChargePoints({ limit: 10 }), []);
  });

  test("touchChargePoint() run concurrently with itself keeps the snapshot whole", async ({ store }) => {
    const cp = chargePoint("CP-1");
    await store().putChargePoint(cp);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store().touchChargePoint("CP-1", at(100 + i))));
    const got = await store().getChargePoint("CP-1");
    assertExists(got);
    assertEquals({ ...got, lastSeen: cp.lastSeen }, cp);
    assert(got.lastSeen !== null && got.lastSeen >= at(100), `Unexpected lastSeen "${got.lastSeen}"`);
  });

  test("touchChargePoint() of an unknown id leaves nothing behind for a snapshot put later", async ({ store }) => {
    await store().touchChargePoint("CP-1", at(30));
    const cp = chargePoint("CP-1", { lastSeen: at(1) });
    await store().putChargePoint(cp);
    assertEquals(await store().getChargePoint("CP-1"), cp);
    assertEquals(await store().listChargePoints({ limit: 10 }), [cp]);
  });

  test("the last of putChargePoint(), recordStatus() and touchChargePoint() sets lastSeen", async ({ store }) => {
    await store().putChargePoint(chargePoint("CP-1", { lastSeen: at(1) }));
    await store().touchChargePoint("CP-1", at(2));
    const put = chargePoint("CP-1", { lastSeen: at(3), diagnosticsStatus: "Uploaded", updatedAt: at(3) });
    await store().putChargePoint(put);
    assertEquals(await store().getChargePoint("CP-1"), put);

    await store().touchChargePoint("CP-1", at(4));
    const recorded = chargePoint("CP-1", { lastSeen: at(5), updatedAt: at(5) });
    await store().recordStatus(statusEntry({ receivedAt: at(5) }), recorded);
    assertEquals(await store().getChargePoint("CP-1"), recorded);

    await store().touchChargePoint("CP-1", at(6));
    assertEquals(await store().getChargePoint("CP-1"), { ...recorded, lastSeen: at(6) });
  });

  test("listChargePoints() shows each station's latest touch, on every page and with search", async ({ store }) => {
    for (const id of ["CP-1", "CP-2", "CP-3", "XX-4"]) {
      await store().putChargePoint(chargePoint(id, { lastSeen: at(1) }));
    }
    await store().touchChargePoint("CP-2", at(20));
    await store().touchChargePoint("XX-4", at(40));
    const lastSeen = (records: ChargePointRecord[]) => records.map((r) => [r.id, r.lastSeen]);
    assertEquals(lastSeen(await store().listChargePoints({ limit: 10 })), [
      ["CP-1", at(1)],
      ["CP-2", at(20)],
      ["CP-3", at(1)],
      ["XX-4", at(40)],
    ]);
    assertEquals(lastSeen(await store().listChargePoints({ limit: 1, after: "CP-1" })), [["CP-2", at(20)]]);
    assertEquals(lastSeen(await store().listChargePoints({ limit: 10, search: "x" })), [["XX-4", at(40)]]);
    assertEquals(lastSeen(await store().listChargePoints({ limit: 10, search: "3" })), [["CP-3", at(1)]]);
  });

  test("touchChargePoint() calls still pending when the store closes are written", async (c) => {
    await c.t.step({
      name: "a touch not awaited before close is read back after reopen",
      ignore: c.reopen === null,
      fn: async () => {
        await c.store().putChargePoint(chargePoint("CP-1", { lastSeen: at(1) }));
        const touched = c.store().touchChargePoint("CP-1", at(30));
        const again = await c.reopen!();
        await touched;
        assertEquals((await again.getChargePoint("CP-1"))?.lastSeen, at(30));
      },
    });
  });

  test("listChargePoints() sorts by id in code point order and pages strictly after the cursor", async ({ store }) => {
    // Code point order: upper case before lower case ("CP-B" < "CP-a"), as with COLLATE "C".
    const all = ["CP-a", "CP-B", "CP-10", "CP-2", "AB", "cp-1", "CP-1"];
    for (const id of all) await store().putChargePoint(chargePoint(id));
    const sorted = ["AB", "CP-1", "CP-10", "CP-2", "CP-B", "CP-a", "cp-1"];

    const one = await store().listChargePoints({ limit: 3 });
    assertEquals(one.map((r) => r.id), sorted.slice(0, 3));
    const two = await store().listChargePoints({ limit: 3, after: "CP-10" });
    assertEquals(two.map((r) => r.id), sorted.slice(3, 6));
    const three = await store().listChargePoints({ limit: 3, after: "CP-a" });
    assertEquals(three.map((r) => r.id), ["cp-1"]);
    assertEquals(await store().listChargePoints({ limit: 3, after: "cp-1" }), []);
    // A cursor that is not itself an id still works.
    assertEquals((await store().listChargePoints({ limit: 2, after: "CP-11" })).map((r) => r.id), [
      "CP-2",
      "CP-B",
    ]);
    assertEquals(await store().listChargePoints({ limit: 1 }), [chargePoint("AB")]);
  });

  test("listChargePoints() finds a case-insensitive substring with search and pages through matches", async ({ store }) => {
    for (const id of ["CP-1", "cp-10", "CP2", "station-Cp-3", "XX", "100%_x", "1000ax"]) {
      await store().putChargePoint(chargePoint(id));
    }
    const all = await store().listChargePoints({ limit: 10, search: "cP-" });
    assertEquals(all.map((r) => r.id), ["CP-1", "cp-10", "station-Cp-3"]);

    const page1 = await store().listChargePoints({ limit: 2, search: "cp-" });
    assertEquals(page1.map((r) => r.id), ["CP-1", "cp-10"]);
    const page2 = await store().listChargePoints({ limit: 2, search: "cp-", after: "cp-10" });
    assertEquals(page2.map((r) => r.id), ["station-Cp-3"]);

    // The search is a plain substring: % and _ are not wildcards.
    assertEquals((await store().listChargePoints({ limit: 10, search: "%_" })).map((r) => r.id), ["100%_x"]);
    assertEquals((await store().listChargePoints({ limit: 10, search: "0_" })).map((r) => r.id), []);
    assertEquals(await store().listChargePoints({ limit: 10, search: "nothing" }), []);
  });

  stationTest(
    "listStatusHistory() returns one station's entries newest first, up to limit",
    async ({ store }) => {
      const a = statusEntry({ status: "Available", timestamp: at(5), receivedAt: at(1) });
      const b = statusEntry({
        status: "Faulted",
        errorCode: "GroundFailure",
        info: "earth leak",
        vendorId: "Acme",
        vendorErrorCode: "GF-1",
        timestamp: at(2), // the station's clock may disagree with the order we received in
        receivedAt: at(2),
      });
      const c = statusEntry({ connectorId: 0, status: "Unavailable", timestamp: at(3), receivedAt: at(3) });
      const other = statusEntry({ chargePointId: "CP-2", receivedAt: at(4) });
      for (const e of [a, b, c, other]) await store().appendStatusHistory(e);

      assertEquals(await store().listStatusHistory("CP-1", 10), [c, b, a]);
      assertEquals(await store().listStatusHistory("CP-1", 2), [c, b]);
      assertEquals(await store().listStatusHistory("CP-2", 10), [other]);
      assertEquals(await store().listStatusHistory("CP-3", 10), []);
    },
  );

  stationTest(
    "appendStatusHistory() keeps every entry, also two equal ones, newest appended first on a tie",
    async ({ store }) => {
      const first = statusEntry({ status: "Preparing", receivedAt: at(1) });
      const second = statusEntry({ status: "Charging", receivedAt: at(1) });
      await store().appendStatusHistory(first);
      await store().appendStatusHistory(second);
      await store().appendStatusHistory(second);
      assertEquals(await store().listStatusHistory("CP-1", 10), [second, second, first]);
    },
  );

  stationTest(
    "recordStatus() appends the history entry and replaces the snapshot, both read back",
    async ({ store }) => {
      const entry = statusEntry({
        status: "Faulted",
        errorCode: "GroundFailure",
        info: "earth leak",
        timestamp: at(4),
        receivedAt: at(5),
      });
      const snapshot = chargePoint("CP-1", {
        connectors: [{
          connectorId: 1,
          status: "Faulted",
          errorCode: "GroundFailure",
          info: "earth leak",
          timestamp: at(4),
        }],
        lastSeen: at(5),
        updatedAt: at(5),
      });
      await store().recordStatus(entry, snapshot);
      assertEquals(await store().getChargePoint("CP-1"), snapshot);
      assertEquals(await store().listStatusHistory("CP-1", 10), [entry]);
      // The other stations are untouched.
      assertEquals(await store().getChargePoint("CP-2"), chargePoint("CP-2"));
      assertEquals(await store().listStatusHistory("CP-2", 10), []);

      const next = statusEntry({ status: "Available", timestamp: at(6), receivedAt: at(6) });
      await store().recordStatus(next, { ...snapshot, connectors: [], lastSeen: at(6) });
      assertEquals(await store().listStatusHistory("CP-1", 10), [next, entry]);
      assertEquals((await store().getChargePoint("CP-1"))?.connectors, []);
    },
  );

  test("recordStatus() writes a station the store did not have yet", async ({ store }) => {
    const entry = statusEntry({ chargePointId: "CP-NEW", receivedAt: at(2) });
    const snapshot = chargePoint("CP-NEW", { lastSeen: at(2) });
    await store().recordStatus(entry, snapshot);
    assertEquals(await store().getChargePoint("CP-NEW"), snapshot);
    assertEquals(await store().listStatusHistory("CP-NEW", 10), [entry]);
  });

  stationTest(
    "recordStatus() refuses an entry and a snapshot of two stations, and writes neither",
    async ({ store }) => {
      const error = await store().recordStatus(
        statusEntry({ chargePointId: "CP-2" }),
        chargePoint("CP-1", {
          connectors: [],
        }),
      ).then(() => null, (e: unknown) => e);
      assert(error instanceof Error, "recordStatus() should have thrown");
      assertEquals(error.message, 'Cannot record the status of "CP-2" with the snapshot of "CP-1"');
      assertEquals(await store().getChargePoint("CP-1"), chargePoint("CP-1"));
      assertEquals(await store().listStatusHistory("CP-1", 10), []);
      assertEquals(await store().listStatusHistory("CP-2", 10), []);
    },
  );

  // ---------------------------------------------------------------- id tags
  // ---------------------------------------------------------------- id tags

  stationTest("id tags can be put, read, replaced and deleted", async ({ store }) => {
    assertEquals(await store().getIdTag("TAG-1"), null);
    const tag: IdTagRecord = {
      idTag: "TAG-1",
      status: "Accepted",
      expiryDate: at(1000),
      parentIdTag: "GROUP",
    };
    await store().putIdTag(tag);
    assertEquals(await store().getIdTag("TAG-1"), tag);

    const blocked: IdTagRecord = { idTag: "TAG-1", status: "Blocked", expiryDate: null, parentIdTag: null };
    await store().putIdTag(blocked);
    assertEquals(await store().getIdTag("TAG-1"), blocked);

    assertStrictEquals(await store().deleteIdTag("TAG-1"), true);
    assertEquals(await store().getIdTag("TAG-1"), null);
    assertStrictEquals(await store().deleteIdTag("TAG-1"), false);
    assertStrictEquals(await store().deleteIdTag("never"), false);
  });

  stationTest("listIdTags() sorts by idTag and pages strictly after the cursor", async ({ store }) => {
    const tags = ["D4", "a1", "B2", "C3", "b2"];
    for (const idTag of tags) {
      await store().putIdTag({ idTag, status: "Accepted", expiryDate: null, parentIdTag: null });
    }
    const page1 = await store().listIdTags({ limit: 2 });
    assertEquals(page1.map((t) => t.idTag), ["B2", "C3"]);
    const page2 = await store().listIdTags({ limit: 2, after: "C3" });
    assertEquals(page2.map((t) => t.idTag), ["D4", "a1"]);
    const page3 = await store().listIdTags({ limit: 2, after: "a1" });
    assertEquals(page3.map((t) => t.idTag), ["b2"]);
    assertEquals(await store().listIdTags({ limit: 2, after: "b2" }), []);
    assertEquals(page1[0], { idTag: "B2", status: "Accepted", expiryDate: null, parentIdTag: null });
  });

  // ---------------------------------------------------------------- transactions: start

  stationTest("startTransaction() records a new active transaction with every field", async ({ store }) => {
    const input = startInput({ idTagStatus: "ConcurrentTx", reservationId: 42 });
    const out = await store().startTransaction(input);
    assertStrictEquals(out.replayed, false);
    assertEquals(out.superseded, []);
    const id = out.transaction.transactionId;
    assert(Number.isInteger(id) && id > 0 && id < 2 ** 31, `Unexpected transactionId ${id}`);
    const expected: TransactionRecord = {
      transactionId: id,
      chargePointId: "CP-1",
      connectorId: 1,
      idTag: "TAG-1",
      startIdTagStatus: "ConcurrentTx",
      meterStart: 1000,
      startTimestamp: input.timestamp,
      reservationId: 42,
      status: "active",
      supersededBy: null,
      meterStop: null,
      stopTimestamp: null,
      stopReason: null,
      stopIdTag: null,
      energyWh: null,
      createdAt: input.receivedAt,
      stoppedAt: null,
    };
    assertEquals(out.transaction, expected);
    assertEquals(await store().getTransaction(id), expected);
  });

  stationTest("getTransaction() returns null for an unknown id", async ({ store }) => {
    assertEquals(await store().getTransaction(1), null);
    assertEquals(await store().getTransaction(-1), null);
  });

  stationTest("startTransaction() allocates positive, increasing ids", async ({ store }) => {
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const out = await store().startTransaction(startInput({ connectorId: i + 1, timestamp: at(10 + i) }));
      assertGreater(out.transaction.transactionId, last);
      assertLess(out.transaction.transactionId, 2 ** 31);
      last = out.transaction.transactionId;
    }
  });

  stationTest("startTransaction() returns the same transaction for a replayed start", async ({ store }) => {
    const first = await store().startTransaction(startInput());
    const replay = await store().startTransaction(startInput({ receivedAt: at(11), idTagStatus: "Blocked" }));
    assertStrictEquals(replay.replayed, true);
    assertEquals(replay.superseded, []);
    assertEquals(replay.transaction, first.transaction);
    assertEquals(ids(await store().listTransactions({ limit: 10 })), [first.transaction.transactionId]);

    // Any difference in the replay key makes it a new start.
    for (
      const changed of [
        { chargePointId: "CP-2" },
        { connectorId: 2 },
        { idTag: "TAG-2" },
        { meterStart: 1001 },
        { timestamp: at(10.5) },
      ]
    ) {
      const out = await store().startTransaction(startInput(changed));
      assertStrictEquals(out.replayed, false, `Expected a new start for ${JSON.stringify(changed)}`);
    }
  });

  stationTest(
    "startTransaction() run concurrently for the same start creates one transaction",
    async ({ store }) => {
      const outs = await Promise.all(Array.from({ length: 8 }, () => store().startTransaction(startInput())));
      const distinct = new Set(outs.map((o) => o.transaction.transactionId));
      assertEquals(distinct.size, 1);
      assertEquals(outs.filter((o) => !o.replayed).length, 1);
      assertEquals((await store().listTransactions({ limit: 10 })).length, 1);
    },
  );

  stationTest(
    "startTransaction() run concurrently for different starts gives distinct ids",
    async ({ store }) => {
      const outs = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store().startTransaction(startInput({ connectorId: i + 1 }))),
      );
      assertEquals(new Set(outs.map((o) => o.transaction.transactionId)).size, 8);
      assert(outs.every((o) => !o.replayed && o.superseded.length === 0));
    },
  );

  stationTest(
    "startTransaction() supersedes the open transaction on the same connector",
    async ({ store }) => {
      const old = await store().startTransaction(startInput({ idTag: "OLD" }));
      const otherConnector = await store().startTransaction(startInput({ connectorId: 2 }));
      const otherStation = await store().startTransaction(startInput({ chargePointId: "CP-2" }));

      const next = await store().startTransaction(startInput({ idTag: "NEW", timestamp: at(20) }));
      const newId = next.transaction.transactionId;
      assertStrictEquals(next.replayed, false);
      const expectedOld: TransactionRecord = {
        ...old.transaction,
        status: "superseded",
        supersededBy: newId,
      };
      assertEquals(next.superseded, [expectedOld]);
      assertEquals(await store().getTransaction(old.transaction.transactionId), expectedOld);
      assertEquals(next.transaction.status, "active");

      // Other connectors and stations are untouched.
      assertEquals(
        await store().getTransaction(otherConnector.transaction.transactionId),
        otherConnector.transaction,
      );
      assertEquals(
        await store().getTransaction(otherStation.transaction.transactionId),
        otherStation.transaction,
      );

      // A superseded transaction is no longer active for its idTag.
      assertEquals(await store().findActiveTransactionByIdTag("OLD"), null);
    },
  );

  stationTest(
    "startTransaction() supersedes nothing after the previous one was stopped",
    async ({ store }) => {
      const first = await store().startTransaction(startInput());
      await store().stopTransaction(stopInput(first.transaction.transactionId));
      const second = await store().startTransaction(startInput({ timestamp: at(50) }));
      assertEquals(second.superseded, []);
      assertEquals((await store().getTransaction(first.transaction.transactionId))?.status, "finished");
      assertEquals((await store().getTransaction(first.transaction.transactionId))?.supersededBy, null);
    },
  );

  stationTest(
    "startTransaction() replaying a superseded start returns it unchanged and supersedes nothing",
    async ({ store }) => {
      const old = await store().startTransaction(startInput());
      const next = await store().startTransaction(startInput({ timestamp: at(20) }));
      const replay = await store().startTransaction(startInput());
      assertStrictEquals(replay.replayed, true);
      assertEquals(replay.superseded, []);
      assertEquals(replay.transaction, {
        ...old.transaction,
        status: "superseded",
        supersededBy: next.transaction.transactionId,
      });
      assertEquals(await store().getTransaction(next.transaction.transactionId), next.transaction);
    },
  );

  stationTest(
    "startTransaction() run concurrently on one connector leaves exactly one active transaction",
    async ({ store }) => {
      const outs = await Promise.all(
        Array.from({ length: 6 }, (_, i) => store().startTransaction(startInput({ idTag: `TAG-${i}` }))),
      );
      const all = await store().listTransactions({ limit: 20 });
      assertEquals(all.length, 6);
      assertEquals(all.filter((t) => t.status === "active").length, 1);
      const superseded = all.filter((t) => t.status === "superseded");
      assertEquals(superseded.length, 5);
      const idSet = new Set(ids(outs.map((o) => o.transaction)));
      for (const t of superseded) assert(t.supersededBy !== null && idSet.has(t.supersededBy));
      // Every superseded transaction was reported by exactly one start.
      const reported = outs.flatMap((o) => ids(o.superseded)).sort((a, b) => a - b);
      assertEquals(reported, ids(superseded).sort((a, b) => a - b));
    },
  );

  // ---------------------------------------------------------------- transactions: stop

  stationTest("stopTransaction() completes an active transaction", async ({ store }) => {
    const started = await store().startTransaction(startInput({ meterStart: 1000, reservationId: 3 }));
    const id = started.transaction.transactionId;
    const input = stopInput(id, { meterStop: 4500, idTag: "TAG-9", reason: "EVDisconnected" });
    const out = await store().stopTransaction(input);
    const expected: TransactionRecord = {
      ...started.transaction,
      status: "finished",
      meterStop: 4500,
      stopTimestamp: input.timestamp,
      stopReason: "EVDisconnected",
      stopIdTag: "TAG-9",
      energyWh: 3500,
      stoppedAt: input.receivedAt,
    };
    assertEquals(out, { outcome: "stopped", transaction: expected });
    assertEquals(await store().getTransaction(id), expected);
    assertEquals(await store().listOrphanStops({ limit: 10 }), []);
  });

  stationTest("stopTransaction() keeps null idTag and reason as null", async ({ store }) => {
    const started = await store().startTransaction(startInput());
    const out = await store().stopTransaction(
      stopInput(started.transaction.transactionId, { idTag: null, idTagStatus: null, reason: null }),
    );
    assertEquals(out.transaction?.stopIdTag, null);
    assertEquals(out.transaction?.stopReason, null);
  });

  stationTest(
    "stopTransaction() of a stopped transaction is a replay and changes nothing",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const id = started.transaction.transactionId;
      const first = await store().stopTransaction(stopInput(id));
      const again = await store().stopTransaction(stopInput(id, { receivedAt: at(41) }));
      assertEquals(again, { outcome: "replayed", transaction: first.transaction });
      // Even a different stop for the same id does not overwrite the completed one.
      const different = await store().stopTransaction(stopInput(id, { meterStop: 9999, timestamp: at(60) }));
      assertEquals(different, { outcome: "replayed", transaction: first.transaction });
      assertEquals(await store().getTransaction(id), first.transaction);
      assertEquals(await store().listOrphanStops({ limit: 10 }), []);
    },
  );

  stationTest(
    "stopTransaction() with transactionId -1 keeps one orphan stop with its transactionData",
    async ({ store }) => {
      const transactionData = [{
        timestamp: at(39),
        sampledValue: [{ value: "4500", measurand: "Energy.Active.Import.Register" }],
      }];
      const input = stopInput(-1, { transactionData });
      const out = await store().stopTransaction(input);
      assertEquals(out, { outcome: "orphan", transaction: null });
      const replay = await store().stopTransaction({ ...input, receivedAt: at(45) });
      assertEquals(replay, { outcome: "orphan", transaction: null });

      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.length, 1);
      const orphan = orphans[0]!;
      assertEquals(typeof orphan.id, "string");
      assertEquals({ ...orphan, id: "" }, {
        id: "",
        chargePointId: "CP-1",
        transactionId: -1,
        idTag: "TAG-1",
        meterStop: 4500,
        timestamp: input.timestamp,
        reason: "Local",
        transactionData,
        receivedAt: input.receivedAt,
      });
    },
  );

  stationTest(
    "stopTransaction() of an unknown id keeps it as an orphan, once per stop",
    async ({ store }) => {
      const a = await store().stopTransaction(stopInput(777, { transactionData: null }));
      assertEquals(a, { outcome: "orphan", transaction: null });
      await store().stopTransaction(stopInput(777, { receivedAt: at(41) }));
      // A different stop (another meterStop, timestamp or id) is another orphan.
      await store().stopTransaction(stopInput(777, { meterStop: 5000, receivedAt: at(42) }));
      await store().stopTransaction(stopInput(777, { timestamp: at(41), receivedAt: at(43) }));
      await store().stopTransaction(stopInput(778, { receivedAt: at(44) }));
      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.length, 4);
      assertEquals(new Set(orphans.map((o) => o.id)).size, 4);
      assertEquals(orphans[3]?.transactionData, null);
      assertEquals(await store().getTransaction(777), null);
    },
  );

  stationTest(
    "stopTransaction() for another station's transaction is an orphan and leaves it untouched",
    async ({ store }) => {
      const started = await store().startTransaction(startInput({ chargePointId: "CP-1" }));
      const id = started.transaction.transactionId;
      const out = await store().stopTransaction(stopInput(id, { chargePointId: "CP-2" }));
      assertEquals(out, { outcome: "orphan", transaction: null });
      assertEquals(await store().getTransaction(id), started.transaction);
      const orphans = await store().listOrphanStops({ limit: 10 });
      assertEquals(orphans.map((o) => [o.chargePointId, o.transactionId]), [["CP-2", id]]);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-1"))?.transactionId, id);
    },
  );

  stationTest(
    "stopTransaction() of a superseded transaction finishes it and keeps supersededBy",
    async ({ store }) => {
      const old = await store().startTransaction(startInput({ meterStart: 100 }));
      const next = await store().startTransaction(startInput({ timestamp: at(20), meterStart: 900 }));
      const newId = next.transaction.transactionId;
      const out = await store().stopTransaction(stopInput(old.transaction.transactionId, { meterStop: 850 }));
      assertEquals(out.outcome, "stopped");
      assertEquals(out.transaction?.status, "finished");
      assertEquals(out.transaction?.supersededBy, newId);
      assertEquals(out.transaction?.energyWh, 750);
      assertEquals(await store().getTransaction(old.transaction.transactionId), out.transaction);
      // The newer transaction stays active.
      assertEquals(await store().getTransaction(newId), next.transaction);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-1"))?.transactionId, newId);
    },
  );

  stationTest(
    "listOrphanStops() returns newest first, per station, up to limit",
    async ({ store }) => {
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-1", timestamp: at(1), receivedAt: at(1) }),
      );
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-2", timestamp: at(2), receivedAt: at(2) }),
      );
      await store().stopTransaction(
        stopInput(-1, { chargePointId: "CP-1", timestamp: at(3), receivedAt: at(3) }),
      );
      const all = await store().listOrphanStops({ limit: 10 });
      assertEquals(all.map((o) => [o.chargePointId, o.timestamp]), [["CP-1", at(3)], ["CP-2", at(2)], [
        "CP-1",
        at(1),
      ]]);
      assertEquals((await store().listOrphanStops({ limit: 2 })).length, 2);
      const cp1 = await store().listOrphanStops({ limit: 10, chargePointId: "CP-1" });
      assertEquals(cp1.map((o) => o.timestamp), [at(3), at(1)]);
      assertEquals((await store().listOrphanStops({ limit: 1, chargePointId: "CP-1" })).length, 1);
      assertEquals(await store().listOrphanStops({ limit: 10, chargePointId: "CP-9" }), []);
    },
  );

  // ---------------------------------------------------------------- transactions: queries

  stationTest(
    "findActiveTransactionByIdTag() finds an active transaction on any station",
    async ({ store }) => {
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), null);
      const started = await store().startTransaction(startInput({ chargePointId: "CP-7", idTag: "TAG-1" }));
      await store().startTransaction(startInput({ chargePointId: "CP-8", idTag: "TAG-2" }));
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), started.transaction);
      assertEquals(await store().findActiveTransactionByIdTag("tag-1"), null);
      await store().stopTransaction(stopInput(started.transaction.transactionId, { chargePointId: "CP-7" }));
      assertEquals(await store().findActiveTransactionByIdTag("TAG-1"), null);
      assertEquals((await store().findActiveTransactionByIdTag("TAG-2"))?.chargePointId, "CP-8");
    },
  );

  stationTest("listTransactions() returns newest first and applies every filter", async ({ store }) => {
    // ids in start order; each row: [chargePointId, connectorId, idTag, start minute]
    const rows: [string, number, string, number][] = [
      ["CP-1", 1, "A", 10],
      ["CP-1", 2, "B", 20],
      ["CP-2", 1, "A", 30],
      ["CP-1", 1, "B", 40], // supersedes the first
      ["CP-2", 2, "C", 50],
    ];
    const started: number[] = [];
    for (const [chargePointId, connectorId, idTag, minute] of rows) {
      const out = await store().startTransaction(
        startInput({ chargePointId, connectorId, idTag, timestamp: at(minute) }),
      );
      started.push(out.transaction.transactionId);
    }
    await store().stopTransaction(stopInput(started[2]!, { chargePointId: "CP-2" }));
    const [t1, t2, t3, t4, t5] = started;
    const list = async (f: Omit<TransactionFilter, "limit">) =>
      ids(await store().listTransactions({ limit: 100, ...f }));

    assertEquals(await list({}), [t5, t4, t3, t2, t1]);
    assertEquals(await list({ chargePointId: "CP-1" }), [t4, t2, t1]);
    assertEquals(await list({ chargePointId: "CP-1", connectorId: 1 }), [t4, t1]);
    assertEquals(await list({ connectorId: 2 }), [t5, t2]);
    assertEquals(await list({ idTag: "A" }), [t3, t1]);
    assertEquals(await list({ status: "active" }), [t5, t4, t2]);
    assertEquals(await list({ status: "superseded" }), [t1]);
    assertEquals(await list({ status: "finished" }), [t3]);
    assertEquals(await list({ from: at(20) }), [t5, t4, t3, t2]);
    assertEquals(await list({ to: at(40) }), [t3, t2, t1]);
    assertEquals(await list({ from: at(20), to: at(50) }), [t4, t3, t2]);
    assertEquals(await list({ chargePointId: "CP-3" }), []);
    assertEquals(await list({ idTag: "B", status: "active", chargePointId: "CP-1", connectorId: 1 }), [t4]);
    const full = await store().listTransactions({ limit: 1, status: "finished" });
    assertEquals(full, [await store().getTransaction(t3!)]);
  });

  stationTest("listTransactions() pages with limit and the before cursor", async ({ store }) => {
    const started: number[] = [];
    for (let i = 0; i < 7; i++) {
      const out = await store().startTransaction(
        startInput({ connectorId: i + 1, idTag: i % 2 ? "ODD" : "EVEN" }),
      );
      started.push(out.transaction.transactionId);
    }
    const desc = [...started].reverse();
    const page1 = ids(await store().listTransactions({ limit: 3 }));
    assertEquals(page1, desc.slice(0, 3));
    const page2 = ids(await store().listTransactions({ limit: 3, before: page1[2]! }));
    assertEquals(page2, desc.slice(3, 6));
    const page3 = ids(await store().listTransactions({ limit: 3, before: page2[2]! }));
    assertEquals(page3, desc.slice(6));
    assertEquals(await store().listTransactions({ limit: 3, before: page3[0]! }), []);

    const even = started.filter((_, i) => i % 2 === 0).reverse();
    const evenPage1 = ids(await store().listTransactions({ limit: 2, idTag: "EVEN" }));
    assertEquals(evenPage1, even.slice(0, 2));
    const evenPage2 = ids(await store().listTransactions({ limit: 2, idTag: "EVEN", before: evenPage1[1]! }));
    assertEquals(evenPage2, even.slice(2, 4));
    const stationPage2 = ids(
      await store().listTransactions({ limit: 3, chargePointId: "CP-1", before: page1[2]! }),
    );
    assertEquals(stationPage2, desc.slice(3, 6));
    const activePage2 = ids(
      await store().listTransactions({ limit: 3, status: "active", before: page1[2]! }),
    );
    assertEquals(activePage2, desc.slice(3, 6));
  });

  // ---------------------------------------------------------------- meter values

  stationTest(
    "addMeterValues() stores the same batch once and returns how many rows were new",
    async ({ store }) => {
      const started = await store().startTransaction(startInput());
      const transactionId = started.transaction.transactionId;
      const batch = [
        meterRow({ transactionId, timestamp: at(20), value: "1000" }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Power.Active.Import",
          unit: "W",
          value: "7000",
        }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Voltage",
          phase: "L1",
          unit: "V",
          value: "230",
        }),
        meterRow({
          transactionId,
          timestamp: at(20),
          measurand: "Voltage",
          phase: "L2",
          unit: "V",
          value: "230",
        }),
      ];
      assertEquals(await store().addMeterValues(batch), 4);
      assertEquals(await store().addMeterValues(batch), 0);
      assertEquals(await store().listMeterValuesByTransaction(transactionId), batch);

      // Partly new: only the new rows are stored and counted.
      const more = meterRow({ transactionId, timestamp: at(21), value: "1100" });
      assertEquals(await store().addMeterValues([batch[0]!, more, batch[2]!]), 1);
      assertEquals((await store().listMeterValuesByTransaction(transactionId)).length, 5);
      assertEquals(await store().addMeterValues([]), 0);
    },
  );

  stationTest("addMeterValues() dedupes on the key columns only, and within one batch", async ({ store }) => {
    const base = meterRow();
    // Same key, other context/format/unit/transaction/receivedAt: a duplicate.
    const sameKey = meterRow({ context: "Trigger", format: "SignedData", unit: "kWh", receivedAt: at(99) });
    assertEquals(await store().addMeterValues([base, sameKey, base]), 1);
    // Each key column makes a new row; phase null differs from a phase.
    const different = [
      meterRow({ chargePointId: "CP-2" }),
      meterRow({ connectorId: 2 }),
      meterRow({ timestamp: at(20.5) }),
      meterRow({ measurand: "Energy.Active.Export.Register" }),
      meterRow({ phase: "L1" }),
      meterRow({ location: "Inlet" }),
      meterRow({ value: "1234.6" }),
    ];
    assertEquals(await store().addMeterValues(different), 7);
    assertEquals((await store().listMeterValuesByChargePoint("CP-1", 100)).length, 7);
  });

  stationTest(
    "addMeterValues() stores 200 out-of-order rows with old timestamps, listed oldest first per transaction",
    async ({ store }) => {
      const started = await store().startTransaction(startInput({ timestamp: at(0) }));
      const transactionId = started.transaction.transactionId;
      // Old timestamps (days before the start), shuffled deterministically.
      const minutes = Array.from({ length: 200 }, (_, i) => -5000 + i);
      const shuffled = minutes.map((_, i) => minutes[(i * 73) % 200]!);
      assertEquals(new Set(shuffled).size, 200);
      const rows = shuffled.map((m) =>
        meterRow({ transactionId, timestamp: at(m), value: String(m + 10000) })
      );
      assertEquals(await store().addMeterValues(rows), 200);
      assertEquals(await store().addMeterValues(rows), 0);
      const listed = await store().listMeterValuesByTransaction(transactionId);
      assertEquals(listed.length, 200);
      assertEquals(listed.map((r) => r.timestamp), minutes.map((m) => at(m)));
      assertEquals(listed[0], rows.find((r) => r.timestamp === at(-5000)));
    },
  );

  stationTest(
    "listMeterValuesByTransaction() orders equal timestamps by insertion and skips other transactions",
    async ({ store }) => {
      const a = await store().startTransaction(startInput({ connectorId: 1 }));
      const b = await store().startTransaction(startInput({ connectorId: 2 }));
      const txA = a.transaction.transactionId;
      const txB = b.transaction.transactionId;
      const r1 = meterRow({ transactionId: txA, timestamp: at(30), measurand: "Voltage", value: "230" });
      const r2 = meterRow({
        transactionId: txA,
        timestamp: at(30),
        measurand: "Current.Import",
        value: "16",
      });
      const r0 = meterRow({ transactionId: txA, timestamp: at(25), value: "900" });
      const r3 = meterRow({
        transactionId: txA,
        timestamp: at(30),
        measurand: "Power.Active.Import",
        value: "3680",
      });
      const other = meterRow({ transactionId: txB, connectorId: 2, timestamp: at(26) });
      const noTx = meterRow({ transactionId: null, timestamp: at(27), value: "1" });
      assertEquals(await store().addMeterValues([r1, r2]), 2);
      assertEquals(await store().addMeterValues([r0, other, noTx, r3]), 4);
      assertEquals(await store().listMeterValuesByTransaction(txA), [r0, r1, r2, r3]);
      assertEquals(await store().listMeterValuesByTransaction(txB), [other]);
      assertEquals(await store().listMeterValuesByTransaction(999_999), []);
    },
  );

  stationTest(
    "listMeterValuesByChargePoint() returns newest first, up to limit, with or without a transaction",
    async ({ store }) => {
      const rows = [
        meterRow({ timestamp: at(3), value: "3" }),
        meterRow({ timestamp: at(1), value: "1" }),
        meterRow({ timestamp: at(4), value: "4", transactionId: null }),
        meterRow({ timestamp: at(2), value: "2" }),
        meterRow({ chargePointId: "CP-2", timestamp: at(5), value: "5" }),
      ];
      assertEquals(await store().addMeterValues(rows), 5);
      const all = await store().listMeterValuesByChargePoint("CP-1", 10);
      assertEquals(all.map((r) => r.value), ["4", "3", "2", "1"]);
      assertEquals(all[0], rows[2]);
      assertEquals((await store().listMeterValuesByChargePoint("CP-1", 2)).map((r) => r.value), ["4", "3"]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-2", 10), [rows[4]]);
      assertEquals(await store().listMeterValuesByChargePoint("CP-3", 10), []);
    },
  );

  stationTest("addMeterValues() stores and dedupes rows with very long values", async ({ store }) => {
    // Signed meter data can be long; keys must not break on it.
    const signed = meterRow({ format: "SignedData", value: "S".repeat(5000) });
    const other = meterRow({ format: "SignedData", value: "S".repeat(4999) + "T" });
    assertEquals(await store().addMeterValues([signed, other]), 2);
    assertEquals(await store().addMeterValues([signed]), 0);
    const listed = await store().listMeterValuesByChargePoint("CP-1", 10);
    assertEquals(listed.length, 2);
    assertEquals(new Set(listed.map((r) => r.value)), new Set([signed.value, other.value]));
  });

  stationTest("addMeterValues() run concurrently with the same rows stores each once", async ({ store }) => {
    const rows = Array.from({ length: 30 }, (_, i) => meterRow({ timestamp: at(i), value: String(i) }));
    const counts = await Promise.all([store().addMeterValues(rows), store().addMeterValues(rows)]);
    assertEquals(counts[0]! + counts[1]!, 30);
    assertEquals((await store().listMeterValuesByChargePoint("CP-1", 100)).length, 30);
  });

  // ---------------------------------------------------------------- command log

  stationTest(
    "listCommandLog() returns one station's commands newest first by requestedAt, up to limit",
    async ({ store }) => {
      const a = command("c1", { requestedAt: at(1), finishedAt: at(1.1) });
      const b = command("c2", {
        requestedAt: at(2),
        finishedAt: at(2.5),
        action: "ChangeConfiguration",
        payload: { key: "HeartbeatInterval", value: "60" },
        outcome: "callerror",
        response: { errorCode: "NotSupported", errorDescription: "", errorDetails: {} },
      });
      const c = command("c3", {
        requestedAt: at(3),
        outcome: "timeout",
        response: null,
        finishedAt: at(3.5),
      });
      const other = command("c4", { chargePointId: "CP-2", requestedAt: at(4), outcome: "refused" });
      // Appended when finished, which need not be in request order.
      for (const e of [b, a, c, other]) await store().appendCommandLog(e);

      assertEquals(await store().listCommandLog("CP-1", 10), [c, b, a]);
      assertEquals(await store().listCommandLog("CP-1", 1), [c]);
      assertEquals(await store().listCommandLog("CP-2", 10), [other]);
      assertEquals(await store().listCommandLog("CP-3", 10), []);
    },
  );

  stationTest("the same store serves different stations without mixing their data", async ({ store }) => {
    await store().putChargePoint(chargePoint("CP-1"));
    await store().putChargePoint(chargePoint("CP-2", { lastSeen: at(7) }));
    await store().touchChargePoint("CP-1", at(9));
    assertEquals((await store().getChargePoint("CP-2"))?.lastSeen, at(7));
    assertNotEquals((await store().getChargePoint("CP-1"))?.lastSeen, at(7));
  });
}

import { assert, assertEquals, assertExists, assertGreater } from "@std/assert";
import type { ChargePointRecord } from "../../model/charge_point.ts";
import { protocolErrorsEpochOf } from "../../model/protocol_errors_base.ts";
import { type StatusHistoryEntry, UNTIMED_COPY_WINDOW_MS } from "../../model/status_history.ts";
import {
  at,
  type Cases,
  chargePoint,
  listedChargePoint,
  startInput,
  statusEntry,
  stopInput,
} from "./harness.ts";

/** Charge points: snapshots, touches, lists and status history. */
export function chargePointCases({ test, stationTest }: Cases): void {
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
          // An id tag's OCPP 2.0.1 type: kept when set, absent (not null) when not.
          assertEquals("idTokenType" in (await again.getIdTag("TAG-1"))!, false);
          await again.putIdTag({
            idTag: "TAG-2",
            status: "Accepted",
            expiryDate: null,
            parentIdTag: null,
            idTokenType: "ISO15693",
          });
          assertEquals((await again.getIdTag("TAG-2"))?.idTokenType, "ISO15693");
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
    assertEquals(await store().listChargePoints({ limit: 10 }), [listedChargePoint(cp)]);
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
    assertEquals(await store().listChargePoints({ limit: 1 }), [listedChargePoint(chargePoint("AB"))]);
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
    "appendStatusHistory() keeps every report, newest appended first on a tie, and a copy of one once",
    async ({ store }) => {
      const first = statusEntry({ status: "Preparing", receivedAt: at(1) });
      const second = statusEntry({ status: "Charging", receivedAt: at(1) });
      await store().appendStatusHistory(first);
      await store().appendStatusHistory(second);
      // The station sent it again (its answer late or lost): received later, the same report.
      await store().appendStatusHistory({ ...second, receivedAt: at(2) });
      assertEquals(await store().listStatusHistory("CP-1", 10), [second, first]);
    },
  );

  stationTest(
    "commit() stores a status report once: a copy in the same commit or a later one is left out, any difference kept",
    async ({ store }) => {
      const report = statusEntry({
        status: "Faulted",
        errorCode: "GroundFailure",
        info: "earth leak",
        vendorId: "Acme",
        vendorErrorCode: "GF-1",
        timestamp: at(5),
        receivedAt: at(6),
      });
      await store().commit({
        chargePointId: "CP-1",
        statusHistory: [report, { ...report, receivedAt: at(7) }],
      });
      await store().commit({ chargePointId: "CP-1", statusHistory: [{ ...report, receivedAt: at(8) }] });
      assertEquals(await store().listStatusHistory("CP-1", 10), [report]);
      const differing = [
        { connectorId: 2 },
        { evseId: 1 },
        { timestamp: at(9) },
        { status: "Available" as const },
        { errorCode: "OtherError" as const },
        { info: "earth leak, 30 mA" },
        { vendorId: "Other" },
        { vendorErrorCode: "GF-2" },
      ].map((d, i) => ({ ...report, ...d, receivedAt: at(10 + i) }));
      for (const entry of differing) await store().commit({ chargePointId: "CP-1", statusHistory: [entry] });
      assertEquals(await store().listStatusHistory("CP-1", 20), [...differing].reverse().concat(report));
      // More reports in one commit than one KV atomic may check (an import): each stored once.
      const many = Array.from(
        { length: 150 },
        (_, i) => statusEntry({ info: `bulk ${i}`, receivedAt: at(100 + i) }),
      );
      await store().commit({ chargePointId: "CP-1", statusHistory: [...many, many[0]!] });
      assertEquals((await store().listStatusHistory("CP-1", 500)).length, differing.length + 1 + many.length);
      // Another station's same report is its own.
      const theirs = { ...report, chargePointId: "CP-2" };
      await store().commit({ chargePointId: "CP-2", statusHistory: [theirs] });
      assertEquals(await store().listStatusHistory("CP-2", 10), [theirs]);
    },
  );

  stationTest(
    "commit() stores a report without the station's time once per CALL: a copy sent again within the window is left out",
    async ({ store }) => {
      // No timestamp from the station: ours stands in, so each copy has another; the CALL's id names it.
      const untimed = (minute: number, d: Partial<StatusHistoryEntry> = {}) =>
        statusEntry({
          status: "Faulted",
          errorCode: "GroundFailure",
          callId: "17",
          ...d,
          timestamp: at(minute),
          receivedAt: at(minute),
        });
      const first = untimed(1);
      await store().commit({ chargePointId: "CP-1", statusHistory: [first] });
      // The CALL sent again after its answer was lost: a copy.
      await store().commit({ chargePointId: "CP-1", statusHistory: [untimed(2)] });
      await store().commit({ chargePointId: "CP-1", statusHistory: [untimed(9)] });
      assertEquals(await store().listStatusHistory("CP-1", 10), [first]);
      // Another CALL, other words under the same CALL's id, another station: reports of their own.
      const kept = [
        untimed(3, { callId: "18" }),
        untimed(4, { status: "Available", errorCode: "NoError" }),
        untimed(5, { connectorId: 2 }),
        untimed(6, { info: "earth leak" }),
      ];
      for (const entry of kept) await store().commit({ chargePointId: "CP-1", statusHistory: [entry] });
      // The same id and words past the window: a station that numbers its CALLs afresh on each connection.
      const later = untimed(1 + UNTIMED_COPY_WINDOW_MS / 60_000);
      await store().commit({ chargePointId: "CP-1", statusHistory: [later] });
      assertEquals(await store().listStatusHistory("CP-1", 20), [later, ...[...kept].reverse(), first]);
      const theirs = untimed(2, { chargePointId: "CP-2" });
      await store().commit({ chargePointId: "CP-2", statusHistory: [theirs] });
      assertEquals(await store().listStatusHistory("CP-2", 10), [theirs]);
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

  test("configuration and charging reports survive the patches of statuses, lists leave them out; a patch replaces or clears them", async ({ store }) => {
    const configuration = Array.from(
      { length: 150 },
      (_, i) => ({ key: `Key${i}`, readonly: false, value: `v${i}` }),
    );
    const chargingReports = { reports: [], limits: [], requestId: 7, complete: true };
    await store().putChargePoint(chargePoint("CP-1", { configuration, chargingReports }));
    const connectors = [{
      connectorId: 1,
      status: "Charging" as const,
      errorCode: "NoError" as const,
      timestamp: at(3),
    }];
    await store().commit({
      chargePointId: "CP-1",
      snapshot: { connectors, updatedAt: at(3) },
      lastSeen: at(3),
    });
    const read = await store().getChargePoint("CP-1");
    assertEquals([read?.connectors, read?.configuration, read?.chargingReports], [
      connectors,
      configuration,
      chargingReports,
    ]);
    // Lists leave the large fields out (a fleet scan reads every station).
    assertEquals((await store().listChargePoints({ limit: 10 }))[0], listedChargePoint(read!));
    const fewer = configuration.slice(0, 2);
    await store().commit({ chargePointId: "CP-1", snapshot: { configuration: fewer } });
    assertEquals((await store().getChargePoint("CP-1"))?.configuration, fewer);
    await store().commit({ chargePointId: "CP-1", snapshot: { configuration: null } });
    const cleared = await store().getChargePoint("CP-1");
    assertEquals([cleared?.configuration, cleared?.chargingReports], [null, chargingReports]);
    await store().putChargePoint(chargePoint("CP-1", { configuration: null }));
    assertEquals(
      (await store().getChargePoint("CP-1"))?.chargingReports,
      undefined,
      "a whole write replaces all",
    );
  });

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

  stationTest(
    "a station's protocol errors survive its other patches and touches, and lists show them",
    async ({ store }) => {
      await store().putChargePoint(chargePoint("CP-1"));
      const protocolErrors = {
        count: 7,
        lastAt: at(4),
        lastAction: "StatusNotification",
        lastProblem: 'PropertyConstraintViolation: Field "status" must be one of "Available", got "Sleeping"',
      };
      assert((await store().commit({ chargePointId: "CP-1", snapshot: { protocolErrors } })).ok);
      const connectors = [{
        connectorId: 1,
        status: "Available" as const,
        errorCode: "NoError" as const,
        timestamp: at(5),
      }];
      assert((await store().commit({ chargePointId: "CP-1", snapshot: { connectors }, lastSeen: at(5) })).ok);
      assert((await store().commit({ chargePointId: "CP-1", lastSeen: at(6) })).ok);
      assertEquals((await store().getChargePoint("CP-1"))?.protocolErrors, protocolErrors);
      const listed = await store().listChargePoints({ limit: 10 });
      assertEquals(listed.find((r) => r.id === "CP-1")?.protocolErrors, protocolErrors);
      const more = {
        ...protocolErrors,
        count: 8,
        lastAt: at(7),
        lastProblem: "FormationViolation: not JSON",
      };
      delete (more as { lastAction?: string }).lastAction;
      assert((await store().commit({ chargePointId: "CP-1", snapshot: { protocolErrors: more } })).ok);
      assertEquals((await store().getChargePoint("CP-1"))?.protocolErrors, more);
    },
  );

  stationTest(
    "clearProtocolErrors() clears only the errors last seen at the instant named, once of two at once",
    async ({ store }) => {
      assertEquals(await store().clearProtocolErrors("CP-NONE", at(4), at(9)), null);
      const cp = chargePoint("CP-1");
      await store().putChargePoint(cp);
      assertEquals(await store().clearProtocolErrors("CP-1", at(4), at(9)), {
        refused: "no_protocol_errors",
      });
      const protocolErrors = { count: 3, lastAt: at(4), lastProblem: "FormationViolation: not JSON" };
      assert((await store().commit({ chargePointId: "CP-1", snapshot: { protocolErrors } })).ok);
      assertEquals(await store().clearProtocolErrors("CP-1", at(3), at(9)), {
        refused: "protocol_errors_changed",
        current: protocolErrors,
      });
      // The same instant spelled otherwise; of two at once one clears, the other finds none.
      const seenAt = new Date(at(4)).toISOString().replace(".000Z", "Z");
      const outcomes = await Promise.all([
        store().clearProtocolErrors("CP-1", seenAt, at(9)),
        store().clearProtocolErrors("CP-1", seenAt, at(9)),
      ]);
      assertEquals(
        outcomes.map((o) => JSON.stringify(o)).sort(),
        [{ cleared: protocolErrors }, { refused: "no_protocol_errors" }].map((o) => JSON.stringify(o)).sort(),
      );
      const got = await store().getChargePoint("CP-1");
      assertEquals(got?.protocolErrors ?? null, null);
      // Nothing else of the record changes.
      const { protocolErrors: _p, updatedAt: _u, ...rest } = got!;
      const { protocolErrors: _q, updatedAt: _v, ...before } = cp;
      assertEquals(rest, before);
      assertEquals(got?.updatedAt, at(9));
    },
  );

  stationTest(
    "a write of protocol errors counted from before a clear keeps only the ones counted after it",
    async ({ store }) => {
      await store().putChargePoint(chargePoint("CP-1"));
      const errors = (count: number, seconds: number) => ({ count, lastAt: at(seconds), lastProblem: "x" });
      const write = (
        protocolErrors: ReturnType<typeof errors> | null,
        base: { epoch: number; count: number },
      ) => store().commit({ chargePointId: "CP-1", snapshot: { protocolErrors }, protocolErrorsBase: base });
      const stored = async () => {
        const got = await store().getChargePoint("CP-1");
        return { errors: got?.protocolErrors ?? null, epoch: protocolErrorsEpochOf(got) };
      };
      // The station's actor writes 3 from an empty record: no clear since, written as they are.
      assertEquals(await write(errors(3, 4), { epoch: 0, count: 0 }), {
        ok: true,
        meterValuesAdded: 0,
        protocolErrorsEpoch: 0,
      });
      assertEquals(await stored(), { errors: errors(3, 4), epoch: 0 });
      // Another node clears them (it did not see the actor yet): the epoch moves.
      assert("cleared" in (await store().clearProtocolErrors("CP-1", at(4), at(5)))!);
      assertEquals(await stored(), { errors: null, epoch: 1 });
      // The actor, still counting from its 3, writes 5: only the 2 noted after its base stay.
      assertEquals(await write(errors(5, 6), { epoch: 0, count: 3 }), {
        ok: true,
        meterValuesAdded: 0,
        protocolErrorsEpoch: 1,
      });
      assertEquals(await stored(), { errors: errors(2, 6), epoch: 1 });
      // Counting from what it now holds (epoch 1, 2): written as they are.
      await write(errors(3, 7), { epoch: 1, count: 2 });
      assertEquals(await stored(), { errors: errors(3, 7), epoch: 1 });
      // Its own clear moves the epoch too; one from a stale base clears all the same.
      assertEquals(await write(null, { epoch: 1, count: 3 }), {
        ok: true,
        meterValuesAdded: 0,
        protocolErrorsEpoch: 2,
      });
      assertEquals(await stored(), { errors: null, epoch: 2 });
      // A write without a base (an operator's, an import) is written as it is, the epoch kept.
      assert(
        (await store().commit({ chargePointId: "CP-1", snapshot: { protocolErrors: errors(1, 8) } })).ok,
      );
      assertEquals(await stored(), { errors: errors(1, 8), epoch: 2 });
      // The epoch is the store's: lists and reads do not show it.
      const listed = await store().listChargePoints({ limit: 10 });
      assertEquals(Object.keys(listed[0]!).includes("protocolErrorsEpoch"), false);
      assertEquals(
        Object.keys((await store().getChargePoint("CP-1"))!).includes("protocolErrorsEpoch"),
        false,
      );
    },
  );
}

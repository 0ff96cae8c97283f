/**
 * The StationSecurityStore contract, run against each implementation (`kv/station_security_test.ts`,
 * `postgres/station_security_test.ts`).
 *
 * @example
 * ```ts ignore
 * stationSecurityContract("kv", async () => ({ store: await openKvStationSecurityStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import { assertEquals } from "@std/assert";
import type { SecurityEvent, SecurityEventKind, SecurityEventRetention } from "../security_events.ts";
import { securityEventId } from "../security_events.ts";
import type { StationSecurityRecord, StationSecurityStore } from "../station_security.ts";

export interface StationSecurityContractHandle {
  /** A fresh, empty store. The suite closes it. */
  store: StationSecurityStore;
  cleanup: () => Promise<void>;
}

const T0 = "2024-05-01T10:00:00.000Z";

function record(id: string, overrides: Partial<StationSecurityRecord> = {}): StationSecurityRecord {
  return {
    chargePointId: id,
    securityProfile: 1,
    authorizationKeyHash: `pbkdf2-sha256$1$c2FsdA$aGFzaA-${id}`,
    allowedIps: [],
    updatedBy: "user:root",
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

let sequence = 0;

/** An event `seconds` after T0; ids sort by time, then by the order events were made. */
function event(
  seconds: number,
  kind: SecurityEventKind,
  chargePointId: string | null,
  overrides: Partial<SecurityEvent> = {},
): SecurityEvent {
  const at = new Date(Date.parse(T0) + seconds * 1000);
  return {
    id: securityEventId(at, sequence++),
    at: at.toISOString(),
    kind,
    chargePointId,
    principal: null,
    remoteAddress: "10.0.0.9",
    reason: `${kind} at ${seconds}`,
    status: 401,
    ...overrides,
  };
}

const ids = (events: SecurityEvent[]) => events.map((e) => e.reason);

export function stationSecurityContract(
  name: string,
  open: (retention?: SecurityEventRetention) => Promise<StationSecurityContractHandle>,
  options: { ignore?: boolean } = {},
): void {
  const test = (
    title: string,
    fn: (store: StationSecurityStore) => Promise<void>,
    retention?: SecurityEventRetention,
  ) =>
    Deno.test({
      name: `StationSecurityStore (${name}): ${title}`,
      ignore: options.ignore ?? false,
      async fn() {
        const handle = await open(retention);
        try {
          await fn(handle.store);
        } finally {
          await handle.store.close();
          await handle.cleanup();
        }
      },
    });

  test("get() of an unknown station is null", async (store) => {
    assertEquals(await store.get("CP-NONE"), null);
  });

  test("change() writes change(stored) atomically: one of two creations at once wins", async (store) => {
    // Connections opened first (a pool opens them lazily), so that both changes really run at once.
    await Promise.all([1, 2, 3, 4].map(() => store.list()));
    const results = await Promise.all(
      [1, 2].map((profile) =>
        store.change(
          "CP-R",
          (stored) => stored ? undefined : record("CP-R", { securityProfile: profile as 1 | 2 }),
        )
      ),
    );
    assertEquals(results.filter((r) => r.before === null).length, 1, JSON.stringify(results));
    const winner = results.find((r) => r.before === null)!.after;
    assertEquals(await store.get("CP-R"), winner);
    // A change and a deletion at once: the change never brings the record back.
    const [changed, deleted] = await Promise.all([
      store.change("CP-R", (stored) => stored ? { ...stored, allowedIps: ["10.0.0.1"] } : undefined),
      store.change("CP-R", (stored) => stored ? null : undefined),
    ]);
    assertEquals(deleted.after, null);
    assertEquals(await store.get("CP-R"), null, JSON.stringify(changed));
    // Nothing to change: nothing written; a throwing change writes nothing and throws.
    assertEquals(await store.change("CP-R", () => undefined), { before: null, after: null });
    await store.put(record("CP-R"));
    const failed = await store.change("CP-R", () => {
      throw new Error("refused");
    }).catch((e: Error) => e.message);
    assertEquals(failed, "refused");
    assertEquals(await store.get("CP-R"), record("CP-R"));
  });

  test("put() stores every field and get() returns them unchanged", async (store) => {
    const r = record("CP-1", {
      securityProfile: 2,
      allowedIps: ["10.0.0.0/8", "2001:db8::/32"],
      updatedBy: "token:provisioning",
      updatedAt: "2024-05-02T11:00:00.123Z",
    });
    await store.put(r);
    assertEquals(await store.get("CP-1"), r);
    const pending = {
      ...r,
      pendingAuthorizationKeys: [
        { hash: "pbkdf2-sha256$1$c2FsdA$bmV4dA", since: "2024-05-02T11:00:00.000Z" },
        { hash: "pbkdf2-sha256$1$c2FsdA$bGF0ZXI", since: "2024-05-02T11:05:00.000Z" },
      ],
    };
    await store.put(pending);
    assertEquals(await store.get("CP-1"), pending, "pending keys round-trip, in order");
    const raising = {
      ...pending,
      pendingSecurityProfile: { profile: 3 as const, since: "2024-05-02T11:06:00.000Z" },
    };
    await store.put(raising);
    assertEquals(await store.get("CP-1"), raising, "a pending security profile round-trips");
    await store.change("CP-1", (stored) => {
      const { pendingSecurityProfile: _gone, ...rest } = stored!;
      return rest;
    });
    assertEquals(await store.get("CP-1"), pending, "and goes when a change drops it");
    await store.put(r);
    assertEquals(await store.get("CP-1"), r, "and goes when a record without one replaces it");
  });

  test("put() replaces, and null profile and null key round-trip", async (store) => {
    await store.put(record("CP-1"));
    const replaced = record("CP-1", {
      securityProfile: null,
      authorizationKeyHash: null,
      allowedIps: ["1.2.3.4"],
    });
    await store.put(replaced);
    assertEquals(await store.get("CP-1"), replaced);
    assertEquals((await store.list()).length, 1);
  });

  test("delete() removes and says whether there was a record", async (store) => {
    await store.put(record("CP-1"));
    assertEquals(await store.delete("CP-1"), true);
    assertEquals(await store.delete("CP-1"), false);
    assertEquals(await store.get("CP-1"), null);
  });

  test("list() sorts by id in code point order and pages with limit and after", async (store) => {
    for (const id of ["b", "B", "a", "a-1", "é", "Z"]) await store.put(record(id));
    const all = (await store.list()).map((r) => r.chargePointId);
    assertEquals(all, ["B", "Z", "a", "a-1", "b", "é"]);
    assertEquals((await store.list({ limit: 2 })).map((r) => r.chargePointId), ["B", "Z"]);
    assertEquals((await store.list({ limit: 2, after: "Z" })).map((r) => r.chargePointId), ["a", "a-1"]);
    assertEquals((await store.list({ after: "b" })).map((r) => r.chargePointId), ["é"]);
  });

  test("ids are exact: case and unicode matter", async (store) => {
    await store.put(record("cp-1"));
    assertEquals(await store.get("CP-1"), null);
    await store.put(record("CP-✓"));
    assertEquals((await store.get("CP-✓"))?.chargePointId, "CP-✓");
  });

  test("security events: appended events list newest first with every field unchanged", async (store) => {
    assertEquals(await store.listSecurityEvents({ limit: 10 }), []);
    const a = event(1, "login_failed", null, { principal: "root", status: 401 });
    const b = event(2, "station_security_changed", "CP-✓", {
      principal: "user:alice",
      remoteAddress: null,
      status: null,
      reason: "Security profile set to 1",
    });
    const c = event(2, "station_auth_failed", "CP-1");
    await store.appendSecurityEvents([a, b]);
    await store.appendSecurityEvents([c]);
    assertEquals(await store.listSecurityEvents({ limit: 10 }), [c, b, a]);
  });

  test("security events: a retried batch is not stored twice", async (store) => {
    const a = event(1, "login_failed", null);
    const b = event(2, "login_failed", null);
    await store.appendSecurityEvents([a]);
    await store.appendSecurityEvents([a, b]);
    await store.appendSecurityEvents([]);
    assertEquals(await store.listSecurityEvents({ limit: 10 }), [b, a]);
  });

  test("security events: an event of a station's CALL is stored once, by its station, message id, kind and reason", async (store) => {
    const of = (seconds: number, overrides: Partial<SecurityEvent> = {}) =>
      event(seconds, "station_event", "CP-1", {
        messageId: "m-1",
        reason: "InvalidMessages (station time T)",
        ...overrides,
      });
    const first = of(1);
    assertEquals(await store.appendSecurityEvents([first]), { refused: [] });
    // The same CALL sent again: a new id, the same event.
    const again = of(2);
    assertEquals(await store.appendSecurityEvents([again]), { refused: [again.id] });
    // Twice in one append (a retransmission queued behind a failed write): the first stored.
    const twice = [of(3, { messageId: "m-2" }), of(4, { messageId: "m-2" })];
    assertEquals(await store.appendSecurityEvents(twice), { refused: [twice[1]!.id] });
    // The id reused with another event, by another station, or with another kind: stored.
    const others = [
      of(5, { reason: "SettingSystemTime (station time T)" }),
      of(6, { reason: "InvalidMessages (station time U)" }),
      of(7, { chargePointId: "CP-2" }),
      of(8, { kind: "station_event_critical" }),
    ];
    assertEquals(await store.appendSecurityEvents(others), { refused: [] });
    // A retried batch (its first write stored, the answer lost) is stored, not refused.
    assertEquals(await store.appendSecurityEvents([first]), { refused: [] });
    // Without a message id, alike events are all stored (older rows, every other kind).
    const plain = [of(10), of(11)].map(({ messageId: _, ...e }) => e);
    assertEquals(await store.appendSecurityEvents(plain), { refused: [] });
    const stored = await store.listSecurityEvents({ limit: 100 });
    assertEquals(stored.map((e) => e.id), [first, twice[0]!, ...others, ...plain].map((e) => e.id).reverse());
    assertEquals(stored.at(-1), first, "the message id is kept with the event");
    assertEquals(
      await store.hasSecurityEventOf({
        chargePointId: "CP-1",
        messageId: "m-1",
        kind: "station_event",
        reason: "InvalidMessages (station time T)",
      }),
      true,
    );
    assertEquals(
      await store.hasSecurityEventOf({
        chargePointId: "CP-1",
        messageId: "m-3",
        kind: "station_event",
        reason: "InvalidMessages (station time T)",
      }),
      false,
    );
  });

  test("security events: a pruned event of a CALL takes its message key with it", async (store) => {
    const message = {
      chargePointId: "CP-1",
      messageId: "m-1",
      kind: "station_event" as const,
      reason: "old",
    };
    await store.appendSecurityEvents([
      event(0, "station_event", "CP-1", { messageId: "m-1", reason: "old" }),
    ]);
    assertEquals(await store.hasSecurityEventOf(message), true);
    await store.appendSecurityEvents([event(100, "login_failed", null)]);
    assertEquals(await store.hasSecurityEventOf(message), false);
    const later = event(101, "station_event", "CP-1", { messageId: "m-1", reason: "old" });
    assertEquals(await store.appendSecurityEvents([later]), { refused: [] });
  }, { maxAgeMs: 60_000, pruneEvery: 1 });

  test("security events: filters by kind and station, alone and together, page with before", async (store) => {
    const all = [
      event(1, "station_auth_failed", "CP-1"),
      event(2, "station_auth_failed", "CP-2"),
      event(3, "station_refused", "CP-1"),
      event(4, "login_failed", null),
      event(5, "station_auth_failed", "CP-1"),
      event(6, "station_auth_failed", "cp-1"),
      event(7, "station_auth_failed", "CP-1"),
    ];
    await store.appendSecurityEvents(all);
    const list = (q: Parameters<StationSecurityStore["listSecurityEvents"]>[0]) =>
      store.listSecurityEvents(q).then(ids);
    assertEquals(await list({ limit: 100, kind: "station_auth_failed" }), [
      "station_auth_failed at 7",
      "station_auth_failed at 6",
      "station_auth_failed at 5",
      "station_auth_failed at 2",
      "station_auth_failed at 1",
    ]);
    assertEquals(await list({ limit: 100, chargePointId: "CP-1" }), [
      "station_auth_failed at 7",
      "station_auth_failed at 5",
      "station_refused at 3",
      "station_auth_failed at 1",
    ]);
    assertEquals(await list({ limit: 100, chargePointId: "CP-1", kind: "station_auth_failed" }), [
      "station_auth_failed at 7",
      "station_auth_failed at 5",
      "station_auth_failed at 1",
    ]);
    assertEquals(await list({ limit: 100, kind: "certificate_rejected" }), []);

    // Paging: the last id of a page is the cursor of the next, with and without filters.
    const first = await store.listSecurityEvents({ limit: 3 });
    assertEquals(ids(first), [
      "station_auth_failed at 7",
      "station_auth_failed at 6",
      "station_auth_failed at 5",
    ]);
    const second = await list({ limit: 3, before: first[2]!.id });
    assertEquals(second, ["login_failed at 4", "station_refused at 3", "station_auth_failed at 2"]);
    const page1 = await store.listSecurityEvents({
      limit: 2,
      chargePointId: "CP-1",
      kind: "station_auth_failed",
    });
    assertEquals(ids(page1), ["station_auth_failed at 7", "station_auth_failed at 5"]);
    assertEquals(
      await list({ limit: 2, chargePointId: "CP-1", kind: "station_auth_failed", before: page1[1]!.id }),
      ["station_auth_failed at 1"],
    );
    assertEquals(await list({ limit: 2, kind: "station_refused", before: all[2]!.id }), []);

    // A window: `since` (an ISO time) keeps the events at or after it, with any filter and with before.
    const since = new Date(Date.parse(T0) + 5000).toISOString();
    assertEquals(await list({ limit: 100, since }), [
      "station_auth_failed at 7",
      "station_auth_failed at 6",
      "station_auth_failed at 5",
    ]);
    assertEquals(await list({ limit: 100, since, chargePointId: "CP-1" }), [
      "station_auth_failed at 7",
      "station_auth_failed at 5",
    ]);
    assertEquals(await list({ limit: 100, since, kind: "station_refused" }), []);
    assertEquals(await list({ limit: 100, since, chargePointId: "CP-1", before: all[6]!.id }), [
      "station_auth_failed at 5",
    ]);
    assertEquals(await list({ limit: 100, since, before: all[6]!.id }), [
      "station_auth_failed at 6",
      "station_auth_failed at 5",
    ]);
  });

  test(
    "security events: events beyond maxEvents are pruned, oldest first, with their index entries",
    async (store) => {
      for (let i = 0; i < 12; i++) {
        await store.appendSecurityEvents([event(i, i % 2 ? "login_failed" : "station_auth_failed", "CP-1")]);
      }
      const kept = await store.listSecurityEvents({ limit: 100 });
      // Pruned at the 1st, 5th and 9th append (to the newest 5: 4..8), then three more came: 4..11.
      assertEquals(
        ids(kept),
        [11, 10, 9, 8, 7, 6, 5, 4].map((i) => `${i % 2 ? "login_failed" : "station_auth_failed"} at ${i}`),
      );
      const byStation = await store.listSecurityEvents({ limit: 100, chargePointId: "CP-1" });
      assertEquals(ids(byStation), ids(kept));
      const byKind = await store.listSecurityEvents({ limit: 100, kind: "station_auth_failed" });
      assertEquals(ids(byKind), ids(kept).filter((r) => r.startsWith("station_auth_failed")));
    },
    { maxEvents: 5, pruneEvery: 4 },
  );

  test("security events: events older than maxAgeMs before the newest are pruned", async (store) => {
    await store.appendSecurityEvents([event(0, "login_failed", null), event(10, "login_failed", null)]);
    await store.appendSecurityEvents([event(100, "login_failed", "CP-1")]);
    assertEquals(ids(await store.listSecurityEvents({ limit: 10 })), ["login_failed at 100"]);
    assertEquals(ids(await store.listSecurityEvents({ limit: 10, chargePointId: "CP-1" })), [
      "login_failed at 100",
    ]);
  }, { maxAgeMs: 60_000, pruneEvery: 1 });
}

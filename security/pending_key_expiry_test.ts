import { assertEquals } from "@std/assert";
import { createMemoryLogger } from "../logger.ts";
import { openKvStationSecurityStore } from "../store/kv/station_security.ts";
import type { StationSecurityRecord } from "../store/station_security.ts";
import {
  changeStationSecurity,
  isPendingKeyLive,
  pendingKeyExpiresAt,
  withoutExpiredPendingKeys,
} from "./pending_key_expiry.ts";
import { SecurityEventLog } from "./security_events.ts";
import { withPendingKey } from "./authorization_key_rotation.ts";

const HOUR = 3_600_000;
const T0 = "2026-05-01T10:00:00.000Z";
const at = (iso: string) => Date.parse(iso);

function record(pending?: { hash: string; since: string }[]): StationSecurityRecord {
  return {
    chargePointId: "CP-1",
    securityProfile: 1,
    authorizationKeyHash: "current",
    ...(pending ? { pendingAuthorizationKeys: pending } : {}),
    allowedIps: [],
    updatedBy: "user:root",
    createdAt: T0,
    updatedAt: T0,
  };
}

Deno.test("a pending key is live from the time it was sent until the TTL has passed, not a moment longer", () => {
  const key = { hash: "h", since: T0 };
  assertEquals(pendingKeyExpiresAt(key, 72 * HOUR), at("2026-05-04T10:00:00.000Z"));
  assertEquals(isPendingKeyLive(key, at(T0), HOUR), true);
  assertEquals(isPendingKeyLive(key, at("2026-05-01T10:59:59.999Z"), HOUR), true);
  assertEquals(isPendingKeyLive(key, at("2026-05-01T11:00:00.000Z"), HOUR), false);
});

Deno.test("a pending key without a readable time counts as expired: nothing shows it is fresh", () => {
  for (const since of ["", "yesterday", undefined, null, 42]) {
    const key = { hash: "h", since } as unknown as { hash: string; since: string };
    assertEquals(isPendingKeyLive(key, at(T0), 72 * HOUR), false, JSON.stringify(since));
  }
});

Deno.test("withoutExpiredPendingKeys() keeps the live keys in order and gives the expired ones", () => {
  const old = { hash: "old", since: "2026-05-01T07:00:00.000Z" };
  const mid = { hash: "mid", since: "2026-05-01T08:30:00.000Z" };
  const fresh = { hash: "fresh", since: "2026-05-01T09:30:00.000Z" };
  const now = at(T0);
  assertEquals(withoutExpiredPendingKeys(record([old, mid, fresh]), now, 2 * HOUR), {
    record: record([mid, fresh]),
    expired: [old],
  });
  assertEquals(withoutExpiredPendingKeys(record([old, mid]), now, HOUR), {
    record: record(),
    expired: [old, mid],
  });
  const untouched = record([fresh]);
  assertEquals(withoutExpiredPendingKeys(untouched, now, HOUR).record, untouched);
  assertEquals(withoutExpiredPendingKeys(record(), now, HOUR), { record: record(), expired: [] });
});

Deno.test("changeStationSecurity() drops expired pending keys from what a change writes, with one event each", async () => {
  const logger = createMemoryLogger();
  let now = at(T0);
  const store = await openKvStationSecurityStore(":memory:");
  const events = new SecurityEventLog(logger, () => new Date(now));
  const deps = { store, events, now: () => new Date(now), pendingKeyTtlMs: 2 * HOUR };
  try {
    const old = { hash: "old", since: "2026-05-01T07:00:00.000Z" };
    const fresh = { hash: "fresh", since: "2026-05-01T09:30:00.000Z" };
    await store.put(record([old, fresh]));
    // A change that writes nothing drops nothing: the record keeps it until its next change.
    assertEquals((await changeStationSecurity(deps, "CP-1", () => undefined)).after, record([old, fresh]));
    const { after } = await changeStationSecurity(
      deps,
      "CP-1",
      (stored) => stored && { ...stored, allowedIps: ["10.0.0.0/8"] },
    );
    assertEquals(after, { ...record([fresh]), allowedIps: ["10.0.0.0/8"] });
    assertEquals(await store.get("CP-1"), after);
    // The next hour the other one goes too, and the record has no pending keys left.
    now = at("2026-05-01T11:30:00.000Z");
    const later = await changeStationSecurity(
      deps,
      "CP-1",
      (stored) => stored && { ...stored, updatedBy: "x" },
    );
    assertEquals(later.after?.pendingAuthorizationKeys, undefined);
    const reasons = (await events.page({ limit: 10 })).items.map((e) => [e.kind, e.principal, e.reason]);
    assertEquals(reasons, [
      [
        "station_security_changed",
        null,
        "Pending AuthorizationKey expired unused: sent 2026-05-01T09:30:00.000Z, not used within " +
        "PENDING_AUTHORIZATION_KEY_TTL_H (2 h)",
      ],
      [
        "station_security_changed",
        null,
        "Pending AuthorizationKey expired unused: sent 2026-05-01T07:00:00.000Z, not used within " +
        "PENDING_AUTHORIZATION_KEY_TTL_H (2 h)",
      ],
    ]);
    // A deleted record has nothing to drop.
    assertEquals((await changeStationSecurity(deps, "CP-1", () => null)).after, null);
  } finally {
    await events.close();
    await store.close();
  }
});

Deno.test("changeStationSecurity(): a rotation sees only live pending keys, so expired ones push out none", async () => {
  const store = await openKvStationSecurityStore(":memory:");
  const events = new SecurityEventLog(createMemoryLogger(), () => new Date(T0));
  const deps = { store, events, now: () => new Date(T0), pendingKeyTtlMs: 2 * HOUR };
  try {
    const e1 = { hash: "e1", since: "2026-05-01T06:00:00.000Z" };
    const e2 = { hash: "e2", since: "2026-05-01T07:00:00.000Z" };
    const live = { hash: "live", since: "2026-05-01T09:00:00.000Z" };
    await store.put(record([e1, e2, live]));
    const { after } = await changeStationSecurity(deps, "CP-1", (stored) =>
      stored && {
        ...stored,
        pendingAuthorizationKeys: withPendingKey(stored.pendingAuthorizationKeys, "new", T0),
      });
    assertEquals(after?.pendingAuthorizationKeys, [live, { hash: "new", since: T0 }]);
    assertEquals((await events.page({ limit: 10 })).items.length, 2, "each expired one is told");
  } finally {
    await events.close();
    await store.close();
  }
});

/**
 * The StationSecurityStore contract, run against each implementation (`station_security_kv_test.ts`,
 * `station_security_postgres_test.ts`).
 *
 * @example
 * ```ts ignore
 * stationSecurityContract("kv", async () => ({ store: await openKvStationSecurityStore(":memory:"), cleanup: async () => {} }));
 * ```
 */
import { assertEquals } from "@std/assert";
import type { StationSecurityRecord, StationSecurityStore } from "./station_security_store.ts";

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

export function stationSecurityContract(
  name: string,
  open: () => Promise<StationSecurityContractHandle>,
  options: { ignore?: boolean } = {},
): void {
  const test = (title: string, fn: (store: StationSecurityStore) => Promise<void>) =>
    Deno.test({
      name: `StationSecurityStore (${name}): ${title}`,
      ignore: options.ignore ?? false,
      async fn() {
        const handle = await open();
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

  test("put() stores every field and get() returns them unchanged", async (store) => {
    const r = record("CP-1", {
      securityProfile: 2,
      allowedIps: ["10.0.0.0/8", "2001:db8::/32"],
      updatedBy: "token:provisioning",
      updatedAt: "2024-05-02T11:00:00.123Z",
    });
    await store.put(r);
    assertEquals(await store.get("CP-1"), r);
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
}

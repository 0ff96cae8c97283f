import { assert, assertEquals, assertExists, assertRejects } from "@std/assert";
import { type ChargePointRecord, emptyRecord } from "../../model/charge_point.ts";
import { storeContract } from "../contract/mod.ts";
import { kvFleetStore } from "./fleet.ts";
import { KvStore, openKvHandle, openKvStore, openKvStoreHandle } from "./mod.ts";

storeContract("kv", async () => {
  const kv = await openKvHandle(":memory:");
  // A second store on the same handle commits on its own, as a second process would.
  return {
    store: new KvStore(kv),
    another: () => Promise.resolve(new KvStore(kv, { closeHandle: false })),
    cleanup: async () => {},
  };
});

storeContract("kv file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_store_test_" });
  const path = `${dir}/nested/store.kv`;
  return {
    store: await openKvStore(path),
    reopen: () => openKvStore(path),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

Deno.test("openKvStore() creates the missing parent folder of a file path", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_store_test_" });
  try {
    const store = await openKvStore(`${dir}/a/b/store.kv`);
    await store.close();
    assertExists(await Deno.stat(`${dir}/a/b/store.kv`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore keeps snapshots and transactions in its file across close and reopen", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kv_store_test_" });
  const path = `${dir}/store.kv`;
  try {
    const first = new KvStore(await Deno.openKv(path));
    await first.putChargePoint({
      id: "CP-1",
      registrationStatus: "Accepted",
      boot: { chargePointVendor: "Acme", chargePointModel: "Volt-22" },
      bootedAt: "2024-05-01T10:00:00.000Z",
      connectors: [],
      lastSeen: null,
      firmwareStatus: null,
      diagnosticsStatus: null,
      configuration: null,
      createdAt: "2024-05-01T10:00:00.000Z",
      updatedAt: "2024-05-01T10:00:00.000Z",
    });
    const started = await first.startTransaction({
      chargePointId: "CP-1",
      connectorId: 1,
      idTag: "TAG-1",
      idTagStatus: "Accepted",
      meterStart: 10,
      timestamp: "2024-05-01T10:01:00.000Z",
      reservationId: null,
      receivedAt: "2024-05-01T10:01:00.100Z",
    });
    await first.close();

    const second = await openKvStore(path);
    try {
      assertEquals((await second.getChargePoint("CP-1"))?.boot?.chargePointModel, "Volt-22");
      assertEquals(await second.getTransaction(started.transaction.transactionId), started.transaction);
      assertEquals(
        await second.findActiveTransactionByIdTag("TAG-1"),
        started.transaction,
      );
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore hands out transaction ids starting at 1", async () => {
  const store = await openKvStore(":memory:");
  try {
    const out = await store.startTransaction({
      chargePointId: "CP-1",
      connectorId: 1,
      idTag: "TAG-1",
      idTagStatus: "Accepted",
      meterStart: 0,
      timestamp: "2024-05-01T10:00:00.000Z",
      reservationId: null,
      receivedAt: "2024-05-01T10:00:00.000Z",
    });
    assertEquals(out.transaction.transactionId, 1);
  } finally {
    await store.close();
  }
});

Deno.test("KvStore starts 2,000 concurrent transactions without giving up on the shared counter", async () => {
  const dir = await Deno.makeTempDir({ prefix: "csms-kv-starts-" });
  const store = await openKvStore(`${dir}/csms.kv`);
  try {
    const outcomes = await Promise.all(Array.from({ length: 2000 }, (_, i) =>
      store.startTransaction({
        chargePointId: `CP-${i % 500}`,
        connectorId: 1 + Math.floor(i / 500),
        idTag: `TAG-${i}`,
        idTagStatus: "Accepted",
        meterStart: i,
        timestamp: "2024-05-01T10:00:00.000Z",
        reservationId: null,
        receivedAt: "2024-05-01T10:00:00.000Z",
      })));
    const ids = outcomes.map((o) => o.transaction.transactionId).sort((a, b) => a - b);
    assertEquals(ids, Array.from({ length: 2000 }, (_, i) => i + 1));
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore.recordStatus() writes neither the entry nor the snapshot when its one commit fails", async () => {
  const store = await openKvStore(":memory:");
  try {
    const before = {
      ...emptyRecord("CP-1", new Date("2024-05-01T10:00:00.000Z")),
      registrationStatus: "Accepted" as const,
      lastSeen: "2024-05-01T10:00:00.000Z",
    };
    await store.putChargePoint(before);
    // Deno KV refuses a value over 64 KiB: the snapshot's write fails, so the history row must not be kept.
    const tooBig = {
      ...before,
      boot: { chargePointVendor: "Acme", chargePointModel: "x".repeat(70_000) },
    };
    const entry = {
      chargePointId: "CP-1",
      connectorId: 1,
      status: "Available" as const,
      errorCode: "NoError" as const,
      timestamp: "2024-05-01T10:01:00.000Z",
      receivedAt: "2024-05-01T10:01:00.000Z",
    };
    await assertRejects(() => store.recordStatus(entry, tooBig));
    assertEquals(await store.getChargePoint("CP-1"), before);
    assertEquals(await store.listStatusHistory("CP-1", 10), []);
  } finally {
    await store.close();
  }
});

Deno.test("KvStore writes 1,200 concurrent touches, more than one commit holds, and reads each back", async () => {
  const store = await openKvStore(":memory:");
  try {
    const ids = Array.from({ length: 1200 }, (_, i) => `CP-${String(i).padStart(4, "0")}`);
    for (const id of ids) {
      await store.putChargePoint({
        ...emptyRecord(id, new Date("2024-05-01T10:00:00.000Z")),
        registrationStatus: "Accepted",
      });
    }
    const at = (i: number) => new Date(Date.parse("2024-05-01T11:00:00.000Z") + i).toISOString();
    await Promise.all(ids.map((id, i) => store.touchChargePoint(id, at(i))));
    const listed = await store.listChargePoints({ limit: 2000 });
    assertEquals(listed.map((r) => r.lastSeen), ids.map((_, i) => at(i)));
    assertEquals((await store.getChargePoint("CP-0999"))?.lastSeen, at(999));
  } finally {
    await store.close();
  }
});

Deno.test("a KV file written before case-insensitive id tags is rekeyed once: one tag per case-folded key", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const old = await Deno.openKv(path);
    const record = (idTag: string, status: string) => ({
      idTag,
      status,
      expiryDate: null,
      parentIdTag: null,
    });
    await old.set(["idtag", "GOOD"], record("GOOD", "Accepted"));
    await old.set(["idtag", "good"], record("good", "Blocked"));
    await old.set(["idtag", "Other"], record("Other", "Accepted"));
    await old.set(["idtag", "plain"], record("plain", "Accepted"));
    await old.set(["tx_active_tag", "Other", 7], 7);
    await old.set(["tx_tag", "Other", 7], 7);
    await old.set(["tx_tag", "plain", 8], 8);
    await old.set(["ll_member", "GOOD"], true);
    await old.set(["ll_member", "good"], true);
    await old.set(["ll_member", "plain"], true);
    old.close();
    const store = await openKvStore(path);
    try {
      assertEquals((await store.getIdTag("good"))?.status, "Accepted", "upper case sorts first and is kept");
      assertEquals((await store.getIdTag("OTHER"))?.idTag, "Other");
      assertEquals((await store.listIdTags({ limit: 10 })).map((t) => t.idTag), ["GOOD", "Other", "plain"]);
    } finally {
      await store.close();
    }
    const fleetKv = await openKvStoreHandle(path);
    const lists = kvFleetStore(fleetKv).localLists;
    try {
      assertEquals(
        await lists.listMembers(),
        ["GOOD", "plain"],
        "members kept in their spelling, one per tag",
      );
      assert(await lists.isMember("Good"));
    } finally {
      fleetKv.close();
    }
    const kv = await Deno.openKv(path);
    try {
      const keys = [];
      for await (const entry of kv.list({ prefix: [] })) keys.push(entry.key);
      assertEquals(keys, [
        ["idtag", "good"],
        ["idtag", "other"],
        ["idtag", "plain"],
        ["ll_member", "good"],
        ["ll_member", "plain"],
        // Moved by the rekeyed tags (see id_tags.ts).
        ["meta", "idtag_gen"],
        ["meta", "idtag_keys"],
        ["meta", "ll_member_keys"],
        ["meta", "tx_tag_keys"],
        ["meta", "tx_time_keys"],
        ["tx_active_tag", "other", 7],
        ["tx_tag", "other", 7],
        ["tx_tag", "plain", 8],
      ]);
    } finally {
      kv.close();
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("a KV station record keeps its configuration under a key of its own: a status does not rewrite it", async () => {
  const path = await Deno.makeTempFile({ suffix: ".kv" });
  try {
    const configuration = [{ key: "HeartbeatInterval", readonly: false, value: "300" }];
    const chargingReports = { reports: [], limits: [], requestId: 3 };
    // Written before: the configuration and charging reports inside the records.
    const old = await Deno.openKv(path);
    for (const id of ["CP-1", "CP-2"]) {
      await old.set(["cp", id], { ...emptyRecord(id, new Date(0)), configuration, chargingReports });
    }
    old.close();
    const store = await openKvStore(path);
    const kv = await Deno.openKv(path);
    try {
      assertEquals((await store.getChargePoint("CP-1"))?.configuration, configuration);
      const status = (n: number) => ({
        chargePointId: "CP-1",
        snapshot: {
          connectors: [{
            connectorId: 1,
            status: "Available" as const,
            errorCode: "NoError" as const,
            timestamp: new Date(n).toISOString(),
          }],
        },
      });
      await store.commit(status(1));
      const moved = await kv.get(["cp_config", "CP-1"]);
      assertEquals(moved.value, configuration, "moved out by the record's next write");
      assertEquals((await kv.get<ChargePointRecord>(["cp", "CP-1"])).value?.configuration, null);
      await store.commit(status(2));
      assertEquals((await kv.get(["cp_config", "CP-1"])).versionstamp, moved.versionstamp, "not rewritten");
      assertEquals((await store.getChargePoint("CP-1"))?.configuration, configuration);
      // A page of a moved record and one still written the old way: lists leave both fields out.
      const listed = await store.listChargePoints({ limit: 10 });
      assertEquals(listed.map((r) => [r.id, r.configuration, "chargingReports" in r]), [
        ["CP-1", null, false],
        ["CP-2", null, false],
      ]);
      assertEquals((await store.getChargePoint("CP-2"))?.chargingReports, chargingReports);
      // Clearing one side field leaves the other.
      await store.commit({ chargePointId: "CP-2", snapshot: { configuration: null } });
      const cleared = await store.getChargePoint("CP-2");
      assertEquals([cleared?.configuration, cleared?.chargingReports], [null, chargingReports]);
    } finally {
      kv.close();
      await store.close();
    }
  } finally {
    await Deno.remove(path).catch(() => {});
  }
});

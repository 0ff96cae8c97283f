import { assertEquals } from "@std/assert";
import { at, chargePoint } from "../contract/harness.ts";
import { type SeenAtomic, withAtomics } from "../../tests/helpers/kv.ts";
import { KvStore, openKvHandle } from "./mod.ts";

Deno.test("a snapshot write leaves the station's touch in place, and reads take the later lastSeen", async () => {
  const kv = await openKvHandle(":memory:");
  const seen: SeenAtomic[] = [];
  const store = new KvStore(withAtomics(kv, (a) => seen.push(a)), { closeHandle: false });
  try {
    await store.putChargePoint(chargePoint("CP-1", { lastSeen: at(1) }));
    await store.commit({ chargePointId: "CP-1", lastSeen: at(5) });
    assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, at(5));
    seen.length = 0;
    await store.commit({
      chargePointId: "CP-1",
      snapshot: { diagnosticsStatus: "Uploading" },
      lastSeen: at(6),
    });
    const writes = seen.flatMap((a) => a.mutations.map((m) => String(m.key[0])));
    assertEquals(writes, ["cp"]);
    assertEquals((await kv.get(["cp_seen", "CP-1"])).value, at(5));
    assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, at(6));
    assertEquals((await store.listChargePoints({ limit: 10 }))[0]?.lastSeen, at(6));
    await store.commit({ chargePointId: "CP-1", lastSeen: at(7) });
    assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, at(7));
    assertEquals((await store.listChargePoints({ limit: 10 }))[0]?.lastSeen, at(7));
  } finally {
    await store.close();
    kv.close();
  }
});

Deno.test("a file of the code that deleted the touch at each snapshot write reads its lastSeen as before", async () => {
  const kv = await openKvHandle(":memory:");
  const store = new KvStore(kv, { closeHandle: false });
  try {
    // That code kept a touch only while it was newer than the record's lastSeen.
    await kv.set(["cp", "CP-1"], chargePoint("CP-1", { lastSeen: at(1) }));
    await kv.set(["cp_seen", "CP-1"], at(2));
    await kv.set(["cp", "CP-2"], chargePoint("CP-2", { lastSeen: at(3) }));
    await kv.set(["cp", "CP-3"], chargePoint("CP-3", { lastSeen: null }));
    await kv.set(["cp_seen", "CP-3"], at(4));
    assertEquals((await store.getChargePoint("CP-1"))?.lastSeen, at(2));
    assertEquals((await store.getChargePoint("CP-2"))?.lastSeen, at(3));
    assertEquals((await store.getChargePoint("CP-3"))?.lastSeen, at(4));
    assertEquals((await store.listChargePoints({ limit: 10 })).map((r) => r.lastSeen), [at(2), at(3), at(4)]);
  } finally {
    await store.close();
    kv.close();
  }
});

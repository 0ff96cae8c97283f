import { assert, assertEquals } from "@std/assert";
import { at, meterRow, startInput } from "../store/contract/harness.ts";
import { KvStore, openKvHandle } from "../store/kv/mod.ts";
import { kvFleetStore } from "../store/kv/fleet.ts";
import { withCountedLists } from "../tests/helpers/kv.ts";
import { EventBus } from "../actors/events.ts";
import { FleetScanner } from "./fleet_scan.ts";
import { StoreUnavailableError } from "../store/mod.ts";

Deno.test("a fleet scan reads the running and today's transactions' indexes once each, not once per page", async () => {
  const listed = { entries: 0 };
  const store = new KvStore(withCountedLists(await openKvHandle(":memory:"), listed));
  const scanner = new FleetScanner({ store, live: { connected: () => [] }, now: () => new Date(at(600)) });
  try {
    for (let i = 0; i < 2500; i++) {
      await store.startTransaction(startInput({ chargePointId: `CP-${i}`, timestamp: at(60 + i / 100) }));
    }
    listed.entries = 0;
    const data = await scanner.read(at(0));
    assertEquals([data.active.length, data.today.length, data.capped], [2500, 2500, false]);
    // 2,500 open pointers and 2,500 start time pointers, each listed once (three pages read each 7,500).
    assert(listed.entries <= 5100, `${listed.entries} entries listed`);
  } finally {
    scanner.close();
    await store.close();
  }
});

Deno.test("a fleet scan's stuck count reads the flags of the running sessions it read, not their index again", async () => {
  const listed = { entries: 0 };
  const kv = withCountedLists(await openKvHandle(":memory:"), listed);
  const store = new KvStore(kv);
  const fleet = kvFleetStore(kv);
  const scanner = new FleetScanner({
    store,
    live: { connected: () => [] },
    now: () => new Date(at(600)),
    openAfterReboot: async (running) =>
      (await fleet.flags.listActiveFlags({ kind: "open_after_reboot", limit: 20_000, running }))
        .map((f) => f.transactionId),
  });
  try {
    const ids: number[] = [];
    for (let i = 0; i < 2500; i++) {
      const started = await store.startTransaction(
        startInput({ chargePointId: `CP-${i}`, timestamp: at(60 + i / 100) }),
      );
      ids.push(started.transaction.transactionId);
    }
    await fleet.flags.addFlag({
      transactionId: ids[7]!,
      kind: "open_after_reboot",
      chargePointId: "CP-7",
      connectorId: 1,
      at: at(300),
      details: {},
    });
    listed.entries = 0;
    const data = await scanner.read(at(0));
    assertEquals([...data.openAfterReboot], [ids[7]]);
    // The two indexes of the scan once each, and the one flag's pointer: not the 2,500 open pointers again.
    assert(listed.entries <= 5101, `${listed.entries} entries listed`);
  } finally {
    scanner.close();
    await store.close();
  }
});

Deno.test("a fleet scan is not made stale by an unknown id tag, which changes nothing the overview shows", async () => {
  const store = new KvStore(await openKvHandle(":memory:"));
  const events = new EventBus();
  const scanner = new FleetScanner({
    store,
    live: { connected: () => [] },
    events,
    now: () => new Date(at(600)),
  });
  try {
    await scanner.read(at(0));
    events.publish({
      type: "unknownIdTag",
      chargePointId: "CP-1",
      at: at(600),
      idTag: "NEW-CARD",
      idTokenType: null,
    });
    assertEquals((await scanner.read(at(0))).stale, false);
    // A boot does change it (the scan is made again, after the short gap).
    events.publish({ type: "boot", chargePointId: "CP-1", at: at(600), registrationStatus: "Accepted" });
    assertEquals((await scanner.read(at(0))).stale, true);
  } finally {
    scanner.close();
    await store.close();
  }
});

Deno.test("new meter values re-read their session's energy, not the fleet: only other station events rescan it", async () => {
  const kv = new KvStore(await openKvHandle(":memory:"));
  const calls = { stationPages: 0, energyReads: [] as string[] };
  /** Each station's newest energy register reading (Wh), as its meter values would give it. */
  const registers = new Map<string, { transactionId: number; wh: number }>();
  const store = new Proxy(kv, {
    get(target, name) {
      if (name === "listChargePoints") {
        return (...args: Parameters<KvStore["listChargePoints"]>) => {
          calls.stationPages++;
          return target.listChargePoints(...args);
        };
      }
      if (name === "listMeterValuesByChargePoint") {
        return (id: string) => {
          calls.energyReads.push(id);
          const reading = registers.get(id);
          return Promise.resolve(
            reading
              ? [
                meterRow({
                  chargePointId: id,
                  transactionId: reading.transactionId,
                  value: String(reading.wh),
                }),
              ]
              : [],
          );
        };
      }
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const events = new EventBus();
  let nowMs = Date.parse(at(600));
  const scanner = new FleetScanner({
    store,
    live: { connected: () => [] },
    events,
    now: () => new Date(nowMs),
  });
  try {
    const tx: number[] = [];
    for (const id of ["CP-1", "CP-2"]) {
      const started = await kv.startTransaction(
        startInput({ chargePointId: id, meterStart: 1000, timestamp: at(60) }),
      );
      tx.push(started.transaction.transactionId);
      registers.set(id, { transactionId: started.transaction.transactionId, wh: 1500 });
    }
    const first = await scanner.read(at(0));
    assertEquals([...first.sessionEnergyWh.values()], [500, 500]);
    calls.stationPages = 0;
    calls.energyReads = [];

    // CP-1 sends meter values: its session's energy is read again at once, nothing else.
    registers.set("CP-1", { transactionId: tx[0]!, wh: 1800 });
    nowMs += 1000;
    events.publish({
      type: "meterValues",
      chargePointId: "CP-1",
      at: at(601),
      connectorId: 1,
      transactionId: tx[0]!,
      stored: 1,
    });
    const second = await scanner.read(at(0));
    assertEquals([second.stale, second.sessionEnergyWh.get(tx[0]!), second.sessionEnergyWh.get(tx[1]!)], [
      false,
      800,
      500,
    ]);
    assertEquals([calls.stationPages, calls.energyReads], [0, ["CP-1"]]);

    // A status change is something the overview shows: the fleet is scanned again.
    nowMs += 1000;
    events.publish({ type: "boot", chargePointId: "CP-2", at: at(602), registrationStatus: "Accepted" });
    await scanner.read(at(0));
    assertEquals(calls.stationPages, 1);
  } finally {
    scanner.close();
    await kv.close();
  }
});

Deno.test("a read that joins a scan begun before a station event says stale, so the page asks again", async () => {
  const kv = new KvStore(await openKvHandle(":memory:"));
  // The scan stays under way while the event arrives.
  const { store, release } = heldFirstScan(kv);
  const events = new EventBus();
  const scanner = new FleetScanner({
    store,
    live: { connected: () => [] },
    events,
    now: () => new Date(at(600)),
  });
  try {
    const first = scanner.read(at(0));
    await new Promise((resolve) => setTimeout(resolve, 10));
    events.publish({ type: "boot", chargePointId: "CP-1", at: at(600), registrationStatus: "Accepted" });
    const joined = scanner.read(at(0));
    release();
    const [a, b] = await Promise.all([first, joined]);
    assertEquals([a.stale, b.stale], [true, true], "the scan began before the boot");
    assert(b.retryAfterMs >= 250, `${b.retryAfterMs} ms`);
  } finally {
    scanner.close();
    await kv.close();
  }
});

Deno.test("a read for another day than the scan under way waits for it and scans its own day", async () => {
  const kv = new KvStore(await openKvHandle(":memory:"));
  const { store, release } = heldFirstScan(kv);
  const scanner = new FleetScanner({ store, live: { connected: () => [] }, now: () => new Date(at(600)) });
  try {
    await kv.startTransaction(startInput({ chargePointId: "CP-1", timestamp: at(60) }));
    const earlier = scanner.read(at(0));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const later = scanner.read(at(120));
    release();
    const [a, b] = await Promise.all([earlier, later]);
    assertEquals([a.today.length, b.today.length], [1, 0], "each read has its own day's sessions");
  } finally {
    scanner.close();
    await kv.close();
  }
});

/** `kv` whose first page of stations waits for `release()`: a scan stays under way meanwhile. */
function heldFirstScan(kv: KvStore): { store: KvStore; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let waited = false;
  const store = new Proxy(kv, {
    get(target, key) {
      if (key === "listChargePoints") {
        return async (query: Parameters<KvStore["listChargePoints"]>[0]) => {
          if (!waited) {
            waited = true;
            await gate;
          }
          return target.listChargePoints(query);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, release };
}

Deno.test("a fleet scan whose sessions' meter values the store cannot give now is shown without their energy, read again later", async () => {
  const kv = new KvStore(await openKvHandle(":memory:"));
  let unavailable = true;
  const store = new Proxy(kv, {
    get(target, name) {
      const value = Reflect.get(target, name, target);
      if (name === "listMeterValuesByChargePoint" && unavailable) {
        return () =>
          Promise.reject(new StoreUnavailableError("Cannot read meter values: database or disk is full"));
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const events = new EventBus();
  const scanner = new FleetScanner({
    store,
    live: { connected: () => [] },
    events,
    now: () => new Date(at(600)),
  });
  try {
    const started = await kv.startTransaction(
      startInput({ chargePointId: "CP-1", meterStart: 1000, timestamp: at(60) }),
    );
    const id = started.transaction.transactionId;
    await kv.addMeterValues([meterRow({ chargePointId: "CP-1", transactionId: id, value: "1500" })]);
    const first = await scanner.read(at(0));
    assertEquals([first.active.map((t) => t.transactionId), first.sessionEnergyWh.has(id)], [[id], false]);
    unavailable = false;
    const second = await scanner.read(at(0));
    assertEquals(second.sessionEnergyWh.get(id), 500);
  } finally {
    scanner.close();
    await kv.close();
  }
});
